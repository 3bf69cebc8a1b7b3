//! The typed calls the client makes, as data: method, path template, op, and the parameter
//! names each may send. Typed methods (Rust and Lua) use these, and a test checks every one
//! against MAAS's OpenAPI description, so a misspelt op or parameter fails the build.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub method: &'static str,
    /// Below `/MAAS/api/2.0/`; `{name}` marks a path argument.
    pub path: &'static str,
    pub op: Option<&'static str>,
    /// Parameter names this call may send.
    pub params: &'static [&'static str],
}

impl Call {
    /// The path with its `{…}` arguments filled in order.
    pub fn path_with(&self, args: &[&str]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut rest = self.path;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
            out.push_str(args.next().copied().unwrap_or_default());
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    /// Whether `name` is a parameter this call may send.
    pub fn accepts(&self, name: &str) -> bool {
        self.params.contains(&name)
    }
}

pub const VERSION: Call = Call {
    method: "GET",
    path: "version/",
    op: None,
    params: &[],
};
pub const WHOAMI: Call = Call {
    method: "GET",
    path: "users/",
    op: Some("whoami"),
    params: &[],
};
pub const MACHINES: Call = Call {
    method: "GET",
    path: "machines/",
    op: None,
    params: &[
        "hostname",
        "mac_address",
        "id",
        "domain",
        "zone",
        "pool",
        "agent_name",
        "status",
    ],
};
pub const MACHINE: Call = Call {
    method: "GET",
    path: "machines/{system_id}/",
    op: None,
    params: &[],
};
pub const FABRICS: Call = Call {
    method: "GET",
    path: "fabrics/",
    op: None,
    params: &[],
};
pub const CREATE_FABRIC: Call = Call {
    method: "POST",
    path: "fabrics/",
    op: None,
    params: &["name", "description", "class_type"],
};
pub const UPDATE_FABRIC: Call = Call {
    method: "PUT",
    path: "fabrics/{id}/",
    op: None,
    params: &["name", "description", "class_type"],
};

/// Every typed call, for the conformance test.
pub const ALL: &[Call] = &[
    VERSION,
    WHOAMI,
    MACHINES,
    MACHINE,
    FABRICS,
    CREATE_FABRIC,
    UPDATE_FABRIC,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_their_arguments() {
        assert_eq!(MACHINE.path_with(&["abc123"]), "machines/abc123/");
        assert_eq!(VERSION.path_with(&[]), "version/");
        assert!(MACHINES.accepts("hostname") && !MACHINES.accepts("hostnames"));
    }
}
