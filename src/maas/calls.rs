//! The typed calls the client makes, as data: method, path template, op, the parameter names
//! each may send and the model type its answer is read into. Each resource family declares
//! its calls with [`calls!`]; the Rust methods, the Lua methods and the test that checks every
//! call against MAAS's OpenAPI description all come from those declarations, so a misspelt op
//! or parameter fails the build.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }

    pub fn method(self) -> reqwest::Method {
        match self {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Put => reqwest::Method::PUT,
            Verb::Delete => reqwest::Method::DELETE,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Call {
    /// The method name in Rust and Lua (`client:create_subnet{…}`).
    pub name: &'static str,
    pub verb: Verb,
    /// Below `/MAAS/api/2.0/`; `{name}` marks a path argument, named as MAAS's spec names it.
    pub path: &'static str,
    pub op: Option<&'static str>,
    /// Parameter names this call may send; `prefix_*` accepts any name with that prefix
    /// (`power_parameters_*`).
    pub params: &'static [&'static str],
    /// Reads an answer into the model type: a shape MAAS should not send is an error.
    pub check: fn(&Value) -> Result<(), serde_json::Error>,
    /// The answer as the model holds it, written back to JSON (what a Rust caller sees).
    pub model: fn(&Value) -> Result<Value, serde_json::Error>,
    /// The model type's Rust spelling (`Vec<Machine>`), from which the Lua annotations name it.
    pub answer: &'static str,
    /// The call's doc comment, one line per `///` line.
    pub doc: &'static str,
}

impl Call {
    /// The names of the path arguments, in order (`["system_id", "id"]`).
    pub fn path_args(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
    }

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

    /// Whether a request (`method`, a path below `/MAAS/api/2.0/`, `op`) is this call: a
    /// `{…}` argument stands for any one non-empty path segment.
    pub fn is(&self, method: &str, path: &str, op: Option<&str>) -> bool {
        let template: Vec<&str> = self.path.split('/').collect();
        let segments: Vec<&str> = path.split('/').collect();
        self.verb.as_str() == method
            && self.op == op
            && template.len() == segments.len()
            && template
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
    }

    /// Whether `name` is a parameter this call may send.
    pub fn accepts(&self, name: &str) -> bool {
        self.params.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix) && name.len() > prefix.len(),
            None => *p == name,
        })
    }

    /// `GET machines/{system_id}/ op=deploy`, for messages.
    pub fn describe(&self) -> String {
        match self.op {
            Some(op) => format!("{} {} op={op}", self.verb.as_str(), self.path),
            None => format!("{} {}", self.verb.as_str(), self.path),
        }
    }
}

/// Whether an answer reads as a `T`: `Call::check` for each call.
pub fn check<T: DeserializeOwned>(value: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(value).map(drop)
}

/// An answer read into `T` and written back: `Call::model` for each call.
pub fn model<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, serde_json::Error> {
    serde_json::to_value(T::deserialize(value)?)
}

/// Declares a family's typed calls, one line each:
///
/// `CONST rust_and_lua_name(path_arg, …) VERB "path/{path_arg}/" [op "op"] -> Type [params];`
///
/// and makes a `Call` constant of each, the family's `CALLS` list and an async method on
/// `Client` per call (path arguments, then the parameters).
macro_rules! calls {
    ($(
        $(#[doc = $doc:literal])*
        $konst:ident $name:ident($($arg:ident),*) $verb:ident $path:literal $(op $op:literal)? -> $ty:ty
            $([$($param:literal),* $(,)?])?;
    )+) => {
        $(
            pub const $konst: $crate::maas::calls::Call = $crate::maas::calls::Call {
                name: stringify!($name),
                verb: $crate::maas::calls::Verb::$verb,
                path: $path,
                op: calls!(@op $($op)?),
                params: &[$($($param),*)?],
                check: $crate::maas::calls::check::<$ty>,
                model: $crate::maas::calls::model::<$ty>,
                answer: stringify!($ty),
                doc: concat!($($doc, "\n"),*),
            };
        )+

        /// This family's calls, for the Lua binding and the conformance test.
        pub const CALLS: &[$crate::maas::calls::Call] = &[$($konst),+];

        impl $crate::maas::Client {
            $(
                $(#[doc = $doc])*
                pub async fn $name(
                    &self,
                    $($arg: &str,)*
                    params: &[(String, String)],
                ) -> Result<$ty, $crate::maas::MaasError> {
                    self.typed(&$konst, &[$($arg),*], params).await
                }
            )+
        }
    };
    (@op $op:literal) => { Some($op) };
    (@op) => { None };
}

pub(crate) use calls;

/// Each resource family's calls, named after its module in `resources/`.
pub fn families() -> [(&'static str, &'static [Call]); 19] {
    use super::resources::*;
    [
        ("version", version::CALLS),
        ("machines", machines::CALLS),
        ("interfaces", interfaces::CALLS),
        ("block_devices", block_devices::CALLS),
        ("volume_groups", volume_groups::CALLS),
        ("fabrics", fabrics::CALLS),
        ("vlans", vlans::CALLS),
        ("subnets", subnets::CALLS),
        ("ip_ranges", ip_ranges::CALLS),
        ("static_routes", static_routes::CALLS),
        ("spaces", spaces::CALLS),
        ("domains", domains::CALLS),
        ("tags", tags::CALLS),
        ("boot_resources", boot_resources::CALLS),
        ("rack_controllers", rack_controllers::CALLS),
        ("ssh_keys", ssh_keys::CALLS),
        ("package_repositories", package_repositories::CALLS),
        ("config", config::CALLS),
        ("events", events::CALLS),
    ]
}

/// Every typed call the client can make.
pub fn all() -> impl Iterator<Item = &'static Call> {
    families().into_iter().flat_map(|(_, calls)| calls)
}

/// The typed call named `name` (`"create_subnet"`).
pub fn find(name: &str) -> Option<&'static Call> {
    all().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maas::resources::{block_devices, machines, version};

    #[test]
    fn paths_fill_their_arguments() {
        assert_eq!(machines::MACHINE.path_with(&["abc123"]), "machines/abc123/");
        assert_eq!(version::VERSION.path_with(&[]), "version/");
        assert_eq!(
            block_devices::FORMAT_PARTITION.path_args().collect::<Vec<_>>(),
            ["system_id", "device_id", "id"]
        );
        assert!(machines::MACHINES.accepts("hostname") && !machines::MACHINES.accepts("hostnames"));
        assert!(machines::CREATE_MACHINE.accepts("power_parameters_power_address"));
        assert!(!machines::CREATE_MACHINE.accepts("power_parameters_"));
        assert!(machines::DEPLOY.is("POST", "machines/abc123/", Some("deploy")));
        assert!(!machines::DEPLOY.is("POST", "machines/abc123/", None));
        assert!(!machines::MACHINE.is("GET", "machines//", None));
        assert!(!machines::MACHINE.is("GET", "machines/abc123/interfaces/", None));
    }

    #[test]
    fn call_names_are_unique() {
        let mut names: Vec<&str> = all().map(|c| c.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "two calls share a name");
    }
}
