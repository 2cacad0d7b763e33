//! Query strings of every face, read as every web framework reads them
//! (`application/x-www-form-urlencoded`, WHATWG URL standard): `+` is a space, `%2B` a
//! plus, `%20` a space; repeated keys make lists (also accepted comma-separated).
//!
//! Why `+` is a space: keystoneclient (through `requests`/`urlencode`) sends `name=qa+team`
//! for "qa team", and so does the Alibaba SDK (`Tea`/`darabonba` build the query with
//! `urlencode`: a space is `+`, a plus `%2B`; `auth::acs` always read it that way). No SDK
//! is hurt by it: `huaweicloudsdkcore` sends its canonical query as the URL
//! (`quote(v, safe='~')`: a space is `%20`, a plus `%2B`, never a bare `+`). The signatures
//! are not read through here: the SDK-HMAC-SHA256 canonical query
//! (`auth::sdk_hmac::canonical_query`) is still built from the bytes as sent.

use crate::core::Error;

/// Most values one list parameter may carry.
pub const MAX_LIST: usize = 100;

/// The decoded `(key, value)` pairs of a query string, in the order sent.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decodes a raw query (without `?`): `+` is a space, `%XX` a byte, invalid UTF-8 is
    /// replaced by U+FFFD; a key without `=` has the empty value.
    pub fn parse(raw: Option<&str>) -> Params {
        let pairs = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        Params { pairs }
    }

    /// Every `(key, value)` pair, decoded, in the order sent.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The last value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, treating an empty value as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// Every value of `name`, repeated or comma-separated, empty ones dropped; more than
    /// `MAX_LIST` values is a 400 (each becomes a bind parameter of a query).
    pub fn list(&self, name: &str) -> Result<Vec<String>, Error> {
        let values: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect();
        if values.len() > MAX_LIST {
            return Err(Error::invalid(format!(
                "{name} may list at most {MAX_LIST} values"
            )));
        }
        Ok(values)
    }

    /// An integer in `min..=max`; absent or empty gives `None`; anything else is a 400.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, Error> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(Error::invalid(format!(
                    "{name} must be an integer from {min} to {max}, not {v:?}"
                ))),
            },
        }
    }

    /// `true`/`false` in any case; absent or empty gives `None`.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, Error> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Error::invalid(format!(
                "{name} must be true or false, not {v:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_the_sdks_send() {
        let p = Params::parse(Some(
            "keyword=dev%20team&platform_type=AD&platform_type=LOCAL&x=&limit=10&a+b=c+d",
        ));
        assert_eq!(p.get("keyword"), Some("dev team"));
        assert_eq!(p.list("platform_type").unwrap(), ["AD", "LOCAL"]);
        assert_eq!(p.text("x"), None);
        assert_eq!(p.int("limit", 1, 100).unwrap(), Some(10));
        assert!(p.int("limit", 20, 100).is_err());
        assert!(Params::parse(Some("limit=ten"))
            .int("limit", 0, 100)
            .is_err());
        assert_eq!(p.get("a b"), Some("c d"));
        assert_eq!(
            Params::parse(Some("u=a,b&u=c")).list("u").unwrap(),
            ["a", "b", "c"]
        );
        let many = vec!["x"; MAX_LIST + 1].join(",");
        assert!(Params::parse(Some(&format!("u={many}"))).list("u").is_err());
        assert_eq!(Params::parse(Some("d=True")).bool("d").unwrap(), Some(true));
        assert!(Params::parse(Some("d=yes")).bool("d").is_err());
    }

    /// keystoneclient sends `name=qa+team+X` for "qa team X"; `%2B` is a plus.
    #[test]
    fn plus_is_a_space_and_percent_2b_a_plus() {
        let p = Params::parse(Some(
            "name=qa+team+X&k=a%2Bb&s=a%20b&raw=%E7%A0%94+%E5%8F%91",
        ));
        assert_eq!(p.get("name"), Some("qa team X"));
        assert_eq!(p.get("k"), Some("a+b"));
        assert_eq!(p.get("s"), Some("a b"));
        assert_eq!(p.get("raw"), Some("研 发"));
    }
}
