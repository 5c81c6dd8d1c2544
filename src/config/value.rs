//! The kinds of value a configuration key can hold, and how each is read from TOML and from text
//! (environment variables, flags, built-in defaults).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::secrets::Secret;

/// A value as the TOML file wrote it, before it is given its key's type.
#[derive(Debug, Clone)]
pub(crate) enum Raw {
    /// A string.
    Str(String),
    /// An integer (decimal, hexadecimal, octal or binary in the file).
    Int(i128),
    /// A boolean.
    Bool(bool),
    /// Anything else; holds TOML's name of the type.
    Other(&'static str),
}

impl Raw {
    fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
            Self::Int(_) => "integer",
            Self::Bool(_) => "boolean",
            Self::Other(name) => name,
        }
    }
}

/// A single configuration value of one type.
pub trait Scalar: Sized {
    /// What a valid value looks like, for error messages ("a boolean").
    const EXPECTED: &'static str;
    /// Whether the value is a secret: never shown, never read from the configuration file.
    const SECRET: bool = false;

    /// Parses the text of an environment variable, a flag or a default.
    fn parse(text: &str) -> Result<Self, String>;

    /// Reads a TOML value. By default only strings are accepted, through [`Scalar::parse`].
    fn from_raw(raw: &Raw) -> Result<Self, String> {
        match raw {
            Raw::Str(text) => Self::parse(text),
            other => Err(format!("found {}", other.type_name())),
        }
    }

    /// How `rpc config check` shows the value.
    fn show(&self) -> String;
}

/// A configuration field: a [`Scalar`], or an optional one.
pub trait Field: Sized {
    /// The scalar type the field holds.
    type Value: Scalar;
    /// Builds the field from the resolved value; `None` when a required value is missing.
    fn from_value(value: Option<Self::Value>) -> Option<Self>;
}

impl<T: Scalar> Field for T {
    type Value = T;
    fn from_value(value: Option<T>) -> Option<T> {
        value
    }
}

impl<T: Scalar> Field for Option<T> {
    type Value = T;
    fn from_value(value: Option<T>) -> Option<Option<T>> {
        Some(value)
    }
}

impl Scalar for String {
    const EXPECTED: &'static str = "a string";
    fn parse(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

impl Scalar for bool {
    const EXPECTED: &'static str = "a boolean (true or false)";
    fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(format!("found {text:?}")),
        }
    }
    fn from_raw(raw: &Raw) -> Result<Self, String> {
        match raw {
            Raw::Bool(value) => Ok(*value),
            other => Err(format!("found {}", other.type_name())),
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Scalar for u64 {
    const EXPECTED: &'static str = "a non-negative integer";
    fn parse(text: &str) -> Result<Self, String> {
        text.trim().parse().map_err(|_| format!("found {text:?}"))
    }
    fn from_raw(raw: &Raw) -> Result<Self, String> {
        match raw {
            Raw::Int(value) => u64::try_from(*value).map_err(|_| format!("found {value}")),
            other => Err(format!("found {}", other.type_name())),
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Scalar for Duration {
    const EXPECTED: &'static str = "a duration such as \"20s\", \"5m\" or \"24h\"";
    fn parse(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text.trim()).map_err(|err| format!("found {text:?} ({err})"))
    }
    fn show(&self) -> String {
        humantime::format_duration(*self).to_string()
    }
}

impl Scalar for Url {
    const EXPECTED: &'static str = "an http or https URL";
    fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text.trim()).map_err(|err| format!("found {text:?} ({err})"))?;
        match url.scheme() {
            "http" | "https" => Ok(url),
            other => Err(format!("found scheme {other:?} in {text:?}")),
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Scalar for SocketAddr {
    const EXPECTED: &'static str = "an address and port such as \"127.0.0.1:8080\"";
    fn parse(text: &str) -> Result<Self, String> {
        text.trim().parse().map_err(|_| format!("found {text:?}"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Scalar for PathBuf {
    const EXPECTED: &'static str = "a file path";
    fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("found an empty path".into());
        }
        match (text.strip_prefix("~/"), dirs::home_dir()) {
            (Some(rest), Some(home)) => Ok(home.join(rest)),
            _ => Ok(PathBuf::from(text)),
        }
    }
    fn show(&self) -> String {
        self.display().to_string()
    }
}

impl Scalar for Secret {
    const EXPECTED: &'static str = "a secret";
    const SECRET: bool = true;
    fn parse(text: &str) -> Result<Self, String> {
        Ok(Secret::new(text))
    }
    fn show(&self) -> String {
        "<redacted>".into()
    }
}

/// A database URL. The password, if any, is a secret: shown and logged as `<redacted>`.
#[derive(Clone)]
pub struct DatabaseUrl(Secret);

impl DatabaseUrl {
    /// The full URL, password included, for the one place that connects.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.show())
    }
}

impl Scalar for DatabaseUrl {
    const EXPECTED: &'static str = "a database URL such as \"postgresql://user@host/db\"";
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if !text.contains(':') {
            return Err("found a value without a scheme".into());
        }
        Ok(Self(Secret::new(text)))
    }
    fn show(&self) -> String {
        let text = self.0.expose();
        match Url::parse(text) {
            Ok(mut url) if url.password().is_some() => {
                // Only fails for URLs that cannot have a password, which this one has.
                let _ = url.set_password(Some("<redacted>"));
                url.to_string().replace("%3Credacted%3E", "<redacted>")
            }
            Ok(url) => url.to_string(),
            // Unparseable: could hold anything, so show only its scheme.
            Err(_) => format!("{}:<redacted>", text.split(':').next().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_read_like_the_reference_service() {
        for text in ["true", "True", "1", "yes", "on"] {
            assert!(bool::parse(text).unwrap(), "{text}");
        }
        for text in ["false", "FALSE", "0", "no", "off"] {
            assert!(!bool::parse(text).unwrap(), "{text}");
        }
        assert!(bool::parse("maybe").is_err());
        assert!(bool::from_raw(&Raw::Str("true".into())).is_err());
    }

    #[test]
    fn integers_reject_negative_and_strings() {
        assert_eq!(u64::from_raw(&Raw::Int(42)).unwrap(), 42);
        assert!(u64::from_raw(&Raw::Int(-1)).is_err());
        assert!(u64::from_raw(&Raw::Str("42".into())).is_err());
        assert_eq!(u64::parse("42").unwrap(), 42);
    }

    #[test]
    fn durations_and_urls() {
        assert_eq!(Duration::parse("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(Duration::from_secs(90).show(), "1m 30s");
        assert!(Duration::parse("soon").is_err());
        assert!(Url::parse("https://ghes.example/api/v3").is_ok());
        assert!(<Url as Scalar>::parse("ftp://example").is_err());
    }

    #[test]
    fn database_url_password_is_redacted() {
        let url = DatabaseUrl::parse("postgresql://rpc:hunter2@db:5432/rpc").unwrap();
        assert_eq!(url.show(), "postgresql://rpc:<redacted>@db:5432/rpc");
        assert!(!format!("{url:?}").contains("hunter2"));
        assert_eq!(url.expose(), "postgresql://rpc:hunter2@db:5432/rpc");
        let odd = DatabaseUrl::parse("postgresql+psycopg2://u:p@h/d").unwrap();
        assert!(!odd.show().contains(":p@"), "{}", odd.show());
        assert!(DatabaseUrl::parse("just-a-name").is_err());
    }
}
