//! An API request as MAAS's dispatcher sees it: method, path below `/MAAS/api/2.0/`, and
//! parameters from the query string and the form body; `op` from either, or `op-<name>`.

use super::reply::Reply;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Below `/MAAS/api/2.0/`, e.g. `fabrics/3/`.
    pub path: String,
    pub params: Vec<(String, String)>,
    op: Option<String>,
}

impl Request {
    /// A request with a URL-encoded form body, for unit tests of the resource handlers.
    #[cfg(test)]
    pub fn new(method: &str, path: &str, query: &str, body: &[u8]) -> Request {
        let form = serde_urlencoded::from_bytes(body).unwrap_or_default();
        Request::with_form(method, path, query, form)
    }

    /// A request whose form (URL-encoded or multipart) is already decoded.
    pub fn with_form(method: &str, path: &str, query: &str, form: Vec<(String, String)>) -> Request {
        let mut params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        params.extend(form);
        let mut path = path.to_string();
        let mut op = params
            .iter()
            .position(|(k, _)| k == "op")
            .map(|i| params.remove(i).1);
        // `machines/op-list_allocated` is the same as `machines/?op=list_allocated`.
        if let Some(i) = path
            .trim_end_matches('/')
            .rfind("/op-")
            .or_else(|| path.starts_with("op-").then_some(0))
        {
            let tail = path[i..]
                .trim_start_matches('/')
                .trim_end_matches('/')
                .to_string();
            if let Some(name) = tail.strip_prefix("op-") {
                op = Some(name.to_string());
                path.truncate(i);
                if !path.is_empty() && !path.ends_with('/') {
                    path.push('/');
                }
            }
        }
        Request {
            method: method.to_string(),
            path,
            params,
            op,
        }
    }

    pub fn op(&self) -> Option<&str> {
        self.op.as_deref()
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean form field read as Django reads one: `true`, `1`, `on`, `yes` (any case)
    /// are true, anything else false; `None` when the field is absent.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.param(name)
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "on" | "yes"))
    }

    /// Every value of a field given more than once (`add=a&add=b`).
    pub fn params_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.params
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// MAAS's answer to an op the resource does not have.
    pub fn unrecognised(&self, op: &str) -> Reply {
        Reply::plain_error(
            400,
            format!("Unrecognised signature: method={} op={op}", self.method),
        )
    }
}
