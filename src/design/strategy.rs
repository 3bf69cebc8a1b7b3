//! Shipyard's deployment strategy (`shipyard/DeploymentStrategy/v1`), which Airship sites
//! already keep: groups of nodes deployed one group at a time in dependency order, each with
//! its criticality and success criteria. This reads and checks the document (every problem,
//! with its line) and answers which nodes a group selects and in which order groups run;
//! running them is `stdlib/strategy.lua`'s.

use super::site::Site;
use super::yaml::{self, Node, Value};

pub const SCHEMA: &str = "shipyard/DeploymentStrategy/v1";

/// One selector: the nodes every criterion it gives selects (criteria intersect).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub node_names: Vec<String>,
    pub node_tags: Vec<String>,
    pub rack_names: Vec<String>,
    /// `key:value` pairs, split at the `:` and stripped.
    pub node_labels: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    pub percent_successful_nodes: Option<u64>,
    pub minimum_successful_nodes: Option<u64>,
    pub maximum_failed_nodes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub critical: bool,
    pub depends_on: Vec<String>,
    /// Selectors are a union; none at all selects every node.
    pub selectors: Vec<Selector>,
    pub success_criteria: Option<Criteria>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strategy {
    pub name: String,
    pub groups: Vec<Group>,
}

impl Strategy {
    /// What a site without a strategy gets: one critical group of every node that must all
    /// succeed.
    pub fn default_strategy() -> Strategy {
        Strategy {
            name: "default".into(),
            groups: vec![Group {
                name: "default".into(),
                critical: true,
                depends_on: Vec::new(),
                selectors: vec![Selector::default()],
                success_criteria: Some(Criteria {
                    percent_successful_nodes: Some(100),
                    ..Criteria::default()
                }),
                line: 0,
            }],
        }
    }

    /// Group indexes in the order they run: each after every group it depends on, and among
    /// those ready, in document order.
    pub fn order(&self) -> Vec<usize> {
        let mut done: Vec<usize> = Vec::new();
        while done.len() < self.groups.len() {
            let next = (0..self.groups.len()).find(|&i| {
                !done.contains(&i)
                    && self.groups[i]
                        .depends_on
                        .iter()
                        .all(|d| done.iter().any(|&j| self.groups[j].name == *d))
            });
            match next {
                Some(i) => done.push(i),
                // Cycles are refused when the document is read.
                None => break,
            }
        }
        done
    }
}

impl Selector {
    fn is_empty(&self) -> bool {
        self.node_names.is_empty()
            && self.node_tags.is_empty()
            && self.rack_names.is_empty()
            && self.node_labels.is_empty()
    }

    fn selects(&self, node: &super::site::Node) -> bool {
        (self.node_names.is_empty() || self.node_names.contains(&node.name))
            && (self.node_tags.is_empty() || self.node_tags.iter().all(|t| node.config.tags.contains(t)))
            && (self.rack_names.is_empty()
                || node
                    .config
                    .rack
                    .as_ref()
                    .is_some_and(|r| self.rack_names.contains(r)))
            && self
                .node_labels
                .iter()
                .all(|(k, v)| node.config.owner_data.get(k) == Some(v))
    }
}

impl Group {
    /// The names of the nodes of `site` this group selects, in design order.
    pub fn nodes(&self, site: &Site) -> Vec<String> {
        site.nodes
            .iter()
            .filter(|n| {
                self.selectors.is_empty() || self.selectors.iter().any(|s| s.is_empty() || s.selects(n))
            })
            .map(|n| n.name.clone())
            .collect()
    }
}

/// Problems with the document, each `file:line: message`.
pub type Problems = Vec<String>;

struct Reading<'f> {
    file: &'f str,
    problems: Problems,
}

impl Reading<'_> {
    fn problem(&mut self, node: &Node, message: impl std::fmt::Display) {
        self.problems
            .push(format!("{}:{}: {message}", self.file, node.line));
    }

    fn strings(&mut self, node: Option<&Node>, what: &str) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        let Some(items) = node.as_seq() else {
            self.problem(node, format!("{what} must be a list of strings"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.value {
                Value::Str(s) => out.push(s.to_string()),
                _ => self.problem(item, format!("{what}: each entry must be a string")),
            }
        }
        out
    }

    fn count(&mut self, node: &Node, key: &str, max: Option<u64>) -> Option<u64> {
        let value = node.get(key)?;
        match value.value {
            Value::Int(i) if i >= 0 && max.is_none_or(|m| i as u64 <= m) => Some(i as u64),
            _ => {
                let range = max.map_or("0 or more".to_string(), |m| format!("0 to {m}"));
                self.problem(value, format!("{key} must be a whole number, {range}"));
                None
            }
        }
    }

    fn keys_only(&mut self, node: &Node, allowed: &[&str], what: &str) {
        for (k, _) in node.as_map().unwrap_or(&[]) {
            let key = k.key_str();
            if !allowed.contains(&key.as_ref()) {
                self.problem(
                    k,
                    format!("{what} has no field {key:?} (it takes {})", allowed.join(", ")),
                );
            }
        }
    }

    fn selector(&mut self, node: &Node, group: &str) -> Selector {
        const KEYS: [&str; 4] = ["node_names", "node_tags", "rack_names", "node_labels"];
        if node.as_map().is_none_or(<[_]>::is_empty) {
            self.problem(
                node,
                format!(
                    "group {group}: a selector needs at least one of {}",
                    KEYS.join(", ")
                ),
            );
            return Selector::default();
        }
        self.keys_only(node, &KEYS, &format!("group {group}: a selector"));
        let mut labels = Vec::new();
        for label in self.strings(node.get("node_labels"), "node_labels") {
            match label.split(':').collect::<Vec<_>>().as_slice() {
                [k, v] => labels.push((k.trim().to_string(), v.trim().to_string())),
                _ => {
                    let at = node.get("node_labels").unwrap_or(node);
                    self.problem(
                        at,
                        format!("group {group}: node label {label:?} is not key:value"),
                    );
                }
            }
        }
        Selector {
            node_names: self.strings(node.get("node_names"), "node_names"),
            node_tags: self.strings(node.get("node_tags"), "node_tags"),
            rack_names: self.strings(node.get("rack_names"), "rack_names"),
            node_labels: labels,
        }
    }

    fn group(&mut self, node: &Node) -> Option<Group> {
        const KEYS: [&str; 5] = ["name", "critical", "depends_on", "selectors", "success_criteria"];
        if node.as_map().is_none() {
            self.problem(node, "each group must be a mapping");
            return None;
        }
        let name = match node.get("name").map(|n| &n.value) {
            Some(Value::Str(s)) if !s.is_empty() => s.to_string(),
            _ => {
                self.problem(node, "a group needs a name");
                return None;
            }
        };
        self.keys_only(node, &KEYS, &format!("group {name}"));
        for required in ["critical", "depends_on", "selectors"] {
            if node.get(required).is_none() {
                self.problem(node, format!("group {name}: {required} is required"));
            }
        }
        let critical = match node.get("critical").map(|n| &n.value) {
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                let at = node.get("critical").unwrap_or(node);
                self.problem(at, format!("group {name}: critical must be true or false"));
                false
            }
            None => false,
        };
        let depends_on = self.strings(node.get("depends_on"), "depends_on");
        let selectors = match node.get("selectors") {
            Some(s) if s.as_seq().is_some() => s
                .as_seq()
                .unwrap_or(&[])
                .iter()
                .map(|sel| self.selector(sel, &name))
                .collect(),
            Some(s) => {
                self.problem(s, format!("group {name}: selectors must be a list"));
                Vec::new()
            }
            None => Vec::new(),
        };
        let success_criteria = node.get("success_criteria").map(|c| {
            const CRITERIA: [&str; 3] = [
                "percent_successful_nodes",
                "minimum_successful_nodes",
                "maximum_failed_nodes",
            ];
            if c.as_map().is_none_or(<[_]>::is_empty) {
                self.problem(
                    c,
                    format!(
                        "group {name}: success_criteria needs at least one of {}",
                        CRITERIA.join(", ")
                    ),
                );
            }
            self.keys_only(c, &CRITERIA, &format!("group {name}: success_criteria"));
            Criteria {
                percent_successful_nodes: self.count(c, "percent_successful_nodes", Some(100)),
                minimum_successful_nodes: self.count(c, "minimum_successful_nodes", None),
                maximum_failed_nodes: self.count(c, "maximum_failed_nodes", None),
            }
        });
        Some(Group {
            name,
            critical,
            depends_on,
            selectors,
            success_criteria,
            line: node.line,
        })
    }
}

/// Reads the strategy document in `text` (from `file`, for messages): the first document of
/// the stream whose schema is [`SCHEMA`].
pub fn parse(file: &str, text: &str) -> Result<Strategy, Problems> {
    let docs =
        yaml::parse_stream(text).map_err(|e| vec![format!("{file}:{}: not YAML: {}", e.line, e.message)])?;
    let Some(doc) = docs
        .iter()
        .find(|d| d.root.get("schema").and_then(Node::as_str) == Some(SCHEMA))
    else {
        return Err(vec![format!("{file}: no {SCHEMA} document in it")]);
    };
    let mut r = Reading {
        file,
        problems: Vec::new(),
    };
    let name = doc
        .root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or("deployment-strategy")
        .to_string();
    let mut groups: Vec<Group> = Vec::new();
    match doc.root.get("data").and_then(|d| d.get("groups")) {
        Some(list) if list.as_seq().is_some() => {
            for g in list.as_seq().unwrap_or(&[]) {
                if let Some(group) = r.group(g) {
                    if groups.iter().any(|other| other.name == group.name) {
                        r.problem(g, format!("group {} is defined twice", group.name));
                    } else {
                        groups.push(group);
                    }
                }
            }
        }
        Some(other) => r.problem(other, "data.groups must be a list"),
        None => r.problem(&doc.root, "data.groups is required"),
    }
    for g in &groups {
        for d in &g.depends_on {
            if !groups.iter().any(|o| o.name == *d) {
                r.problems.push(format!(
                    "{file}:{}: group {} depends on {d}, which is not defined",
                    g.line, g.name
                ));
            }
        }
    }
    let strategy = Strategy { name, groups };
    if r.problems.is_empty() {
        let ordered = strategy.order();
        if ordered.len() < strategy.groups.len() {
            let stuck: Vec<&str> = (0..strategy.groups.len())
                .filter(|i| !ordered.contains(i))
                .map(|i| strategy.groups[i].name.as_str())
                .collect();
            r.problems.push(format!(
                "{file}: the dependencies of groups {} form a cycle",
                stuck.join(", ")
            ));
        }
    }
    if r.problems.is_empty() {
        Ok(strategy)
    } else {
        Err(r.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Shipyard's documentation, with its labels written as the schema wants.
    const EXAMPLE: &str = r#"
schema: shipyard/DeploymentStrategy/v1
metadata:
  schema: metadata/Document/v1
  name: deployment-strategy
data:
  groups:
    - name: ntp-node
      critical: true
      depends_on: []
      selectors:
        - node_names: [ctl01]
      success_criteria:
        minimum_successful_nodes: 1
    - name: control-nodes
      critical: true
      depends_on: [ntp-node]
      selectors:
        - rack_names: [rack1]
          node_tags: [control-plane]
        - node_labels: ["role: control"]
      success_criteria:
        percent_successful_nodes: 90
        minimum_successful_nodes: 3
        maximum_failed_nodes: 1
    - name: compute-nodes-1
      critical: false
      depends_on: [control-nodes]
      selectors:
        - rack_names: [rack1]
          node_tags: [compute]
      success_criteria:
        percent_successful_nodes: 50
    - name: compute-nodes-2
      critical: false
      depends_on: [control-nodes]
      selectors:
        - rack_names: [rack2]
          node_tags: [compute]
      success_criteria:
        percent_successful_nodes: 50
    - name: monitoring-nodes
      critical: false
      depends_on: []
      selectors:
        - node_tags: [monitoring]
"#;

    fn site() -> Site {
        crate::design::load(&[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/site"
        ))])
        .unwrap()
    }

    #[test]
    fn the_documented_example_reads_orders_and_selects() {
        let s = parse("strategy.yaml", EXAMPLE).unwrap();
        let names: Vec<&str> = s.order().iter().map(|&i| s.groups[i].name.as_str()).collect();
        assert_eq!(
            names,
            [
                "ntp-node",
                "control-nodes",
                "compute-nodes-1",
                "compute-nodes-2",
                "monitoring-nodes"
            ]
        );
        let site = site();
        let control = &s.groups[1];
        assert_eq!(
            control.selectors[1].node_labels,
            [("role".to_string(), "control".to_string())]
        );
        let all_control: Vec<String> = site
            .nodes
            .iter()
            .filter(|n| n.name.starts_with("ctl"))
            .map(|n| n.name.clone())
            .collect();
        assert_eq!(control.nodes(&site), all_control, "the label selects rack2's too");
        let rack1_compute = s.groups[2].nodes(&site);
        assert!(!rack1_compute.is_empty() && rack1_compute.iter().all(|n| n.starts_with("cmp")));
        assert!(
            s.groups[4].nodes(&site).is_empty(),
            "no node is tagged monitoring"
        );
        assert_eq!(
            s.groups[1].success_criteria,
            Some(Criteria {
                percent_successful_nodes: Some(90),
                minimum_successful_nodes: Some(3),
                maximum_failed_nodes: Some(1)
            })
        );
    }

    #[test]
    fn the_default_is_one_critical_group_of_every_node() {
        let s = Strategy::default_strategy();
        let site = site();
        assert_eq!(s.groups[0].nodes(&site).len(), site.nodes.len());
        assert!(s.groups[0].critical);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let bad = r#"schema: shipyard/DeploymentStrategy/v1
metadata: {name: s}
data:
  groups:
    - name: a
      critical: maybe
      depends_on: [b, nowhere]
      selectors:
        - node_labels: ["no-colon"]
        - {}
      success_criteria:
        percent_successful_nodes: 120
        extra: 1
    - name: b
      critical: true
      depends_on: [a]
      selectors: []
    - name: b
      critical: true
      depends_on: []
      selectors: []
    - name: c
      depends_on: []
"#;
        let problems = parse("s.yaml", bad).unwrap_err();
        let text = problems.join("\n");
        for expected in [
            "s.yaml:6: group a: critical must be true or false",
            "s.yaml:9: group a: node label \"no-colon\" is not key:value",
            "s.yaml:10: group a: a selector needs at least one of",
            "s.yaml:12: percent_successful_nodes must be a whole number, 0 to 100",
            "s.yaml:13: group a: success_criteria has no field \"extra\"",
            "s.yaml:18: group b is defined twice",
            "s.yaml:22: group c: critical is required",
            "s.yaml:22: group c: selectors is required",
            "s.yaml:5: group a depends on nowhere, which is not defined",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        let cycle = bad.replace("nowhere", "b").replace(
            "    - name: b\n      critical: true\n      depends_on: []\n      selectors: []\n",
            "",
        );
        let cycle = cycle
            .replace(
                "        - node_labels: [\"no-colon\"]\n        - {}\n",
                "        - node_names: [x]\n",
            )
            .replace("critical: maybe", "critical: true")
            .replace(
                "        percent_successful_nodes: 120\n        extra: 1\n",
                "        percent_successful_nodes: 100\n",
            )
            .replace("    - name: c\n      depends_on: []\n", "");
        let problems = parse("s.yaml", &cycle).unwrap_err();
        assert!(problems.join("\n").contains("form a cycle"), "{problems:?}");
        assert!(parse("s.yaml", "a: [").unwrap_err()[0].contains("not YAML"));
        assert!(
            parse("s.yaml", "schema: other/v1\n").unwrap_err()[0]
                .contains("no shipyard/DeploymentStrategy/v1 document")
        );
    }
}
