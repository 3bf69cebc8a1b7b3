//! Region settings (`ntp_servers`, `upstream_dns`, `default_osystem`…), read and set one name
//! at a time. Values come back as MAAS types them (text, number, boolean, list or null).

use serde_json::Value;

use crate::maas::calls::calls;

calls! {
    /// One setting's value.
    GET_CONFIG get_config() Get "maas/" op "get_config" -> Value ["name"];
    /// Sets one setting (`name`, `value`).
    SET_CONFIG set_config() Post "maas/" op "set_config" -> Value ["name", "value"];
}
