//! Document schema conformance: every document against Drydock's JSON schema for its kind
//! (DD001), documents that cannot be modelled (DD000), and duplicate YAML keys (warning).
//! Ingestion finds these; this rule reports them.

use super::prelude::*;

pub const RULE: Rule = Rule {
    id: "schema",
    name: "DD001",
    long_name: "Document Schema",
    check,
};

fn check(site: &Site, _: &Context, report: &mut RuleReport) {
    for m in &site.ingest_issues {
        report.push(m.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::RULE;

    #[test]
    fn clean_documents_pass() {
        passes(&RULE, BASE);
    }

    #[test]
    fn schema_violation_names_document_and_line() {
        let yaml = base_with("  vlan: '100'\n", "  vlan: 100\n");
        let s = site(&yaml);
        let msgs = RULE.run(&s, &Default::default());
        assert_eq!(msgs.len(), 1, "{msgs:#?}");
        let m = &msgs[0];
        assert_eq!(m.name, "DD001");
        assert_eq!(
            m.message,
            "Network:v1 schema validation error: 100 is not of type 'string' (at vlan)"
        );
        assert_eq!(m.documents[0].name, "mgmt");
        let line = yaml.lines().position(|l| l == "  vlan: 100").unwrap() as u32 + 1;
        assert_eq!(m.source.as_ref().unwrap().line, line);
        assert!(
            s.network("mgmt").is_none(),
            "a document that breaks its schema is dropped"
        );
    }

    #[test]
    fn unmodellable_document_is_dd000() {
        let yaml = base_with("bonding: {mode: 802.3ad,", "bonding: {mode: balanced-rr,");
        let msgs = RULE.run(&site(&yaml), &Default::default());
        assert_eq!(msgs[0].name, "DD000");
        assert!(
            msgs[0]
                .message
                .starts_with("Unexpected error processing document: Field value balanced-rr is invalid")
        );
    }

    #[test]
    fn duplicate_keys_warn_but_pass() {
        let yaml = base_with("  mtu: 9000\n", "  mtu: 1500\n  mtu: 9000\n");
        let got = run(&RULE, &yaml);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].1.contains("Duplicate key 'mtu'"));
        assert!(errors(&got).is_empty());
    }
}
