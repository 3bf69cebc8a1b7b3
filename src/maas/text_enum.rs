//! MAAS's enumerated strings (power states, interface types, link modes…) as Rust enums. A
//! value this client does not know, from a newer MAAS, is kept as `Other`, never rejected.

/// `text_enum! { Name { Variant = "text", … } }`: the enum, its `as_str`, `Display`, and serde
/// as the string MAAS sends.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }

            pub fn parse(text: &str) -> $name {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Other(String::new())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::parse(&text))
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        Colour { Red = "red", DarkBlue = "dark-blue" }
    }

    #[test]
    fn known_and_unknown_values_round_trip() {
        let parsed: Vec<Colour> = serde_json::from_str(r#"["red", "dark-blue", "mauve"]"#).unwrap();
        assert_eq!(
            parsed,
            [Colour::Red, Colour::DarkBlue, Colour::Other("mauve".into())]
        );
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["red","dark-blue","mauve"]"#
        );
        assert_eq!(Colour::DarkBlue.to_string(), "dark-blue");
    }
}
