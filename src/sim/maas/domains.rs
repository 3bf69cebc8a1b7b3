//! DNS domains: `domains/` and `domains/{id}/`. A fresh region has the default `maas` (id 0).

use serde_json::{Value, json};

use super::records::networks::Domain;
use super::reply::Reply;
use super::request::Request;

impl Domain {
    fn to_json(&self) -> Value {
        json!({"authoritative": self.authoritative, "ttl": self.ttl, "name": self.name,
               "is_default": self.is_default, "id": self.id, "resource_record_count": 0,
               "resource_uri": format!("/MAAS/api/2.0/domains/{}/", self.id)})
    }
}

/// A DNS name: dot-separated labels of letters, digits and inner hyphens.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn ttl(req: &Request) -> Result<Option<Option<u64>>, Reply> {
    match req.param("ttl") {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(t) => t
            .parse()
            .map(|t| Some(Some(t)))
            .map_err(|_| Reply::invalid("ttl", "Enter a whole number.")),
    }
}

pub fn collection(req: &Request, domains: &mut Vec<Domain>) -> Reply {
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &Value::Array(domains.iter().map(Domain::to_json).collect())),
        ("POST", None) => {
            let name = req.param("name").unwrap_or_default().trim().to_ascii_lowercase();
            if name.is_empty() {
                return Reply::invalid("name", "This field is required.");
            }
            if !valid_name(&name) {
                return Reply::invalid("name", &format!("Invalid domain name: {name}."));
            }
            if domains.iter().any(|d| d.name == name) {
                return Reply::invalid("name", "Domain with this Name already exists.");
            }
            let ttl = match ttl(req) {
                Ok(t) => t.flatten(),
                Err(reply) => return reply,
            };
            let domain = Domain {
                id: domains.iter().map(|d| d.id).max().unwrap_or(0) + 1,
                name,
                authoritative: req.flag("authoritative").unwrap_or(true),
                ttl,
                is_default: false,
            };
            let out = domain.to_json();
            domains.push(domain);
            Reply::json(200, &out)
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("POST, GET"),
    }
}

pub fn item(req: &Request, domains: &mut Vec<Domain>, id: &str) -> Reply {
    let Some(i) = domains.iter().position(|d| d.id.to_string() == id) else {
        return Reply::text(404, "No Domain matches the given query.".into());
    };
    match (req.method.as_str(), req.op()) {
        ("GET", None) => Reply::json(200, &domains[i].to_json()),
        ("PUT", None) => {
            if let Some(name) = req.param("name") {
                let name = name.trim().to_ascii_lowercase();
                if !valid_name(&name) {
                    return Reply::invalid("name", &format!("Invalid domain name: {name}."));
                }
                if domains.iter().enumerate().any(|(j, d)| j != i && d.name == name) {
                    return Reply::invalid("name", "Domain with this Name already exists.");
                }
                domains[i].name = name;
            }
            if let Some(a) = req.flag("authoritative") {
                domains[i].authoritative = a;
            }
            match ttl(req) {
                Ok(Some(t)) => domains[i].ttl = t,
                Ok(None) => {}
                Err(reply) => return reply,
            }
            Reply::json(200, &domains[i].to_json())
        }
        ("POST", Some("set_default")) => {
            for (j, d) in domains.iter_mut().enumerate() {
                d.is_default = j == i;
            }
            Reply::json(200, &domains[i].to_json())
        }
        ("DELETE", None) if domains[i].is_default => Reply::text(
            400,
            format!("Cannot delete the default domain: {}.", domains[i].name),
        )
        .without_hash(),
        ("DELETE", None) => {
            domains.remove(i);
            Reply::text(204, String::new())
        }
        (_, Some(op)) => req.unrecognised(op),
        _ => Reply::method_not_allowed("GET, PUT, DELETE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_domain_moves_and_cannot_be_deleted() {
        let mut domains = Domain::fresh_region();
        let create = Request::new("POST", "domains/", "", b"name=Cluster.Example.com&ttl=300");
        assert_eq!(collection(&create, &mut domains).status, 200);
        assert_eq!(domains[1].name, "cluster.example.com");
        assert_eq!(domains[1].ttl, Some(300));
        let delete = Request::new("DELETE", "domains/0/", "", b"");
        assert_eq!(item(&delete, &mut domains, "0").status, 400);
        let set = Request::new("POST", "domains/1/", "op=set_default", b"");
        assert_eq!(item(&set, &mut domains, "1").status, 200);
        assert!(!domains[0].is_default && domains[1].is_default);
        assert_eq!(item(&delete, &mut domains, "0").status, 204);
        let bad = Request::new("POST", "domains/", "", b"name=-bad-");
        assert_eq!(collection(&bad, &mut domains).status, 400);
    }
}
