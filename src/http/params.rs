//! Query strings as the clouds' SDKs send them: repeated keys for lists (also accepted
//! comma-separated), `+` taken literally (the SDKs encode spaces as `%20`, and so does the
//! signature's canonical form).

use percent_encoding::percent_decode_str;

use crate::core::Error;

/// Most values one list parameter may carry.
pub const MAX_LIST: usize = 100;

#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (
                    percent_decode_str(k).decode_utf8_lossy().into_owned(),
                    percent_decode_str(v).decode_utf8_lossy().into_owned(),
                )
            })
            .collect();
        Params { pairs }
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
        assert_eq!(p.get("a+b"), Some("c+d"));
        assert_eq!(
            Params::parse(Some("u=a,b&u=c")).list("u").unwrap(),
            ["a", "b", "c"]
        );
        let many = vec!["x"; MAX_LIST + 1].join(",");
        assert!(Params::parse(Some(&format!("u={many}"))).list("u").is_err());
        assert_eq!(Params::parse(Some("d=True")).bool("d").unwrap(), Some(true));
        assert!(Params::parse(Some("d=yes")).bool("d").is_err());
    }
}
