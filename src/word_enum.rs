//! One way to write an enum that is stored and sent as a word (statuses, roles, kinds):
//! its variants with their word and their label, written once. The macro gives `ALL`,
//! `as_str`, `label`, `parse` (trimmed; the message names the field), `Display`,
//! serde as the word, `TryFrom<String>`, and under `ssr` the sqlx encoding as the word.

macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $word:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// The variant `input` (trimmed) names, or a message listing the words.
            pub fn parse(input: &str) -> Result<$name, String> {
                let input = input.trim();
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == input)
                    .ok_or_else(|| {
                        format!("{} must be {}.", $what, $crate::word_enum::one_of(&[$($word),+]))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(&value)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let word = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&word).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <&str as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let word = <&str as sqlx::Decode<sqlx::Any>>::decode(value)?;
                Ok(Self::parse(word)?)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Any>>::encode(self.as_str(), buf)
            }
        }
    };
}

/// "a, b or c".
pub fn one_of(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    word_enum! {
        enum Light ("Light") {
            Red = "red", "Red";
            Amber = "amber", "Amber";
            Green = "green", "Go";
        }
    }

    #[test]
    fn words_labels_parse_and_serde_agree() {
        assert_eq!(Light::ALL.len(), 3);
        assert_eq!(Light::parse(" amber "), Ok(Light::Amber));
        assert_eq!(
            Light::parse("blue"),
            Err("Light must be red, amber or green.".to_string())
        );
        assert_eq!(Light::Green.label(), "Go");
        assert_eq!(Light::Red.to_string(), "red");
        assert_eq!(serde_json::to_string(&Light::Amber).unwrap(), "\"amber\"");
        assert_eq!(
            serde_json::from_str::<Light>("\"green\"").unwrap(),
            Light::Green
        );
        assert!(serde_json::from_str::<Light>("\"GREEN\"").is_err());
    }
}
