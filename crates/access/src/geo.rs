//! Countries of client addresses from a MaxMind-format database the operator supplies
//! (GeoLite2 or GeoIP2 Country and City, or any database whose records carry either
//! `country.iso_code` or a flat `country_code`).

use std::net::IpAddr;
use std::path::Path;

use serde::Deserialize;

use crate::error::AccessError;

/// An ISO 3166-1 alpha-2 code, upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// `DE` from `de` or `DE`; `None` for anything that is not two ASCII letters.
    pub fn parse(s: &str) -> Option<Self> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        // Two ASCII letters, checked in `parse`.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// A small number for cache tags (0 is "unknown").
    pub fn tag(country: Option<Country>) -> u16 {
        country.map_or(0, |c| u16::from_be_bytes(c.0))
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    country: Option<Nested<'a>>,
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct Nested<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

/// An opened database.
pub struct Geo {
    reader: maxminddb::Reader<Vec<u8>>,
}

impl Geo {
    pub fn open(path: &Path) -> Result<Self, AccessError> {
        let reader = maxminddb::Reader::open_readfile(path).map_err(|e| AccessError::Key {
            path: path.to_owned(),
            reason: format!("not a MaxMind-format database: {e}"),
        })?;
        Ok(Geo { reader })
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, AccessError> {
        let reader = maxminddb::Reader::from_source(bytes).map_err(|e| AccessError::Key {
            path: "<memory>".into(),
            reason: e.to_string(),
        })?;
        Ok(Geo { reader })
    }

    /// The country of `ip`, if the database places it. A lookup or decoding error (an
    /// address of the other family, a malformed record) is "unknown", never a failure.
    pub fn country(&self, ip: IpAddr) -> Option<Country> {
        // An IPv4 address mapped into IPv6 (dual-stack sockets) is looked up as IPv4.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let found = self.reader.lookup(ip).ok()?;
        let record: Record<'_> = found.decode().ok()??;
        let code = record
            .country
            .and_then(|c| c.iso_code)
            .or(record.country_code)?;
        Country::parse(code)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use maxminddb_writer::paths::IpAddrWithMask;

    /// A database in both record shapes: GeoLite2's nested `country.iso_code` and a flat
    /// `country_code`, plus a record with neither.
    pub(crate) fn database() -> Vec<u8> {
        #[derive(serde::Serialize)]
        struct Iso {
            iso_code: &'static str,
        }
        #[derive(serde::Serialize)]
        struct Nested {
            country: Iso,
        }
        #[derive(serde::Serialize)]
        struct Flat {
            country_code: &'static str,
        }
        #[derive(serde::Serialize)]
        struct Neither {
            city: &'static str,
        }
        let mut db = maxminddb_writer::Database::default();
        db.metadata.database_type = "Parapet-Test-Country".into();
        db.metadata.binary_format_major_version = 2;
        db.metadata.languages = vec!["en".into()];
        let de = db
            .insert_value(Nested {
                country: Iso { iso_code: "DE" },
            })
            .unwrap();
        let kp = db.insert_value(Flat { country_code: "kp" }).unwrap();
        let none = db.insert_value(Neither { city: "Nowhere" }).unwrap();
        db.insert_node("10.0.0.0/8".parse::<IpAddrWithMask>().unwrap(), de);
        db.insert_node("203.0.113.0/24".parse::<IpAddrWithMask>().unwrap(), kp);
        db.insert_node("198.51.100.0/24".parse::<IpAddrWithMask>().unwrap(), none);
        let mut out = Vec::new();
        db.write_to(&mut out).unwrap();
        out
    }

    #[test]
    fn both_record_shapes_give_a_country() {
        let g = Geo::from_bytes(database()).unwrap();
        let c = |ip: &str| {
            g.country(ip.parse().unwrap())
                .map(|c| c.as_str().to_owned())
        };
        assert_eq!(c("10.1.2.3").as_deref(), Some("DE"));
        assert_eq!(c("203.0.113.9").as_deref(), Some("KP"));
        assert_eq!(c("::ffff:10.1.2.3").as_deref(), Some("DE"));
        assert_eq!(c("198.51.100.1"), None);
        assert_eq!(c("100.64.0.1"), None);
        assert_eq!(c("2001:db8::1"), None);
        assert!(Geo::from_bytes(b"not a database".to_vec()).is_err());
        assert_eq!(Country::parse("d"), None);
        assert_eq!(Country::parse("dé"), None);
    }
}
