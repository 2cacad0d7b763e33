//! Parameters as the Alibaba SDK sends them: in the query string, and AddUser's `RoleIds` in a
//! form body; booleans as Python's `True`/`False`; lists as comma-separated strings.

use super::error::QbError;

/// Most values one list parameter may carry.
pub const MAX_LIST: usize = 100;

pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The last value of `name`, empty counting as absent.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    pub fn req(&self, name: &str) -> Result<String, QbError> {
        self.opt(name).ok_or_else(|| QbError::missing(name))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, QbError> {
        match self.opt(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(QbError::malformed(
                name,
                &format!("must be true or false, not {v:?}"),
            )),
        }
    }

    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, QbError> {
        match self.opt(name) {
            None => Ok(None),
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(QbError::malformed(
                    name,
                    &format!("must be an integer from {min} to {max}, not {v:?}"),
                )),
            },
        }
    }

    pub fn req_int(&self, name: &str, min: i64, max: i64) -> Result<i64, QbError> {
        self.int(name, min, max)?
            .ok_or_else(|| QbError::missing(name))
    }

    /// A comma-separated list, blanks dropped; `None` when the parameter is absent.
    pub fn list(&self, name: &str) -> Result<Option<Vec<String>>, QbError> {
        let Some(v) = self.opt(name) else {
            return Ok(None);
        };
        let items: Vec<String> = v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if items.len() > MAX_LIST {
            return Err(QbError::malformed(
                name,
                &format!("may list at most {MAX_LIST} values"),
            ));
        }
        Ok(Some(items))
    }

    /// A required list with at least one value.
    pub fn req_list(&self, name: &str) -> Result<Vec<String>, QbError> {
        match self.list(name)? {
            Some(l) if !l.is_empty() => Ok(l),
            _ => Err(QbError::missing(name)),
        }
    }

    pub fn int_list(&self, name: &str) -> Result<Option<Vec<i64>>, QbError> {
        self.list(name)?
            .map(|l| {
                l.iter()
                    .map(|v| {
                        v.parse::<i64>().map_err(|_| {
                            QbError::malformed(name, &format!("must list integers, not {v:?}"))
                        })
                    })
                    .collect()
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn reads_python_booleans_and_comma_lists() {
        let x = p(&[("A", "True"), ("B", "false"), ("L", "a, b,,c"), ("E", "")]);
        assert_eq!(x.bool("A").unwrap(), Some(true));
        assert_eq!(x.bool("B").unwrap(), Some(false));
        assert_eq!(x.list("L").unwrap().unwrap(), ["a", "b", "c"]);
        assert_eq!(x.req("E").unwrap_err().code, "System.Param.Empty");
        assert_eq!(x.bool("L").unwrap_err().code, "Invalid.Parameter.Error");
        assert_eq!(
            p(&[("N", "x")]).int("N", 0, 9).unwrap_err().code,
            "Invalid.Parameter.Error"
        );
        assert_eq!(
            p(&[("R", "1,x")]).int_list("R").unwrap_err().code,
            "Invalid.Parameter.Error"
        );
    }
}
