//! Shapes of form input that several features share.

use serde::{Deserialize, Deserializer, Serialize, de};

/// A record's id as a form posts it. Read from a number or from text, because a server
/// function whose form fields are flattened (`#[server(flatten)]`) gets every value as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RecordId(pub i64);

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Id;
        impl de::Visitor<'_> for Id {
            type Value = RecordId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record id")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RecordId, E> {
                Ok(RecordId(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RecordId, E> {
                i64::try_from(v).map(RecordId).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RecordId, E> {
                v.trim().parse().map(RecordId).map_err(E::custom)
            }
        }
        d.deserialize_any(Id)
    }
}

#[cfg(test)]
mod tests {
    use super::RecordId;

    #[test]
    fn an_id_reads_from_a_number_or_text() {
        assert_eq!(serde_json::from_str::<RecordId>("7").unwrap(), RecordId(7));
        assert_eq!(
            serde_json::from_str::<RecordId>("\"7\"").unwrap(),
            RecordId(7)
        );
        assert!(serde_json::from_str::<RecordId>("\"x\"").is_err());
        assert_eq!(serde_json::to_string(&RecordId(7)).unwrap(), "7");
    }
}
