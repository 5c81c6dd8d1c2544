//! Reading the TOML configuration file, keeping the line of every value for error messages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::ConfigError;
use super::sections::KEYS;
use super::value::Raw;

/// The values of one configuration file, by `(section, key)`.
#[derive(Debug)]
pub(crate) struct FileLayer {
    /// The file they came from.
    pub path: PathBuf,
    /// Each value with its 1-based line.
    pub values: BTreeMap<(String, String), (Raw, usize)>,
}

impl FileLayer {
    /// Reads and checks `path`: every section and key must be known.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses `text`, the content of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let document = DeTable::parse(text).map_err(|err| ConfigError::Syntax {
            path: path.to_path_buf(),
            line: err.span().map_or(1, |span| line(span.start)),
            message: err.message().to_owned(),
        })?;
        let mut values = BTreeMap::new();
        for (section, table) in document.get_ref() {
            let section_line = line(section.span().start);
            let section = section.get_ref().to_string();
            if !KEYS.iter().any(|spec| spec.section == section) {
                return Err(ConfigError::UnknownSection {
                    path: path.to_path_buf(),
                    line: section_line,
                    section,
                });
            }
            let DeValue::Table(table) = table.get_ref() else {
                return Err(ConfigError::WrongType {
                    origin: format!("{}:{section_line}", path.display()),
                    key: section,
                    expected: "a table such as [github]",
                    found: format!("found {}", table.get_ref().type_str()),
                });
            };
            for (key, value) in table {
                let key_line = line(key.span().start);
                let key = key.get_ref().to_string();
                if !KEYS
                    .iter()
                    .any(|spec| spec.section == section && spec.name == key)
                {
                    return Err(ConfigError::UnknownKey {
                        path: path.to_path_buf(),
                        line: key_line,
                        section,
                        key,
                    });
                }
                let raw = match value.get_ref() {
                    DeValue::String(text) => Raw::Str(text.to_string()),
                    DeValue::Boolean(value) => Raw::Bool(*value),
                    DeValue::Integer(int) => {
                        i128::from_str_radix(&int.as_str().replace('_', ""), int.radix())
                            .map_or(Raw::Other("integer"), Raw::Int)
                    }
                    other => Raw::Other(other.type_str()),
                };
                values.insert((section.clone(), key), (raw, line(value.span().start)));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FileLayer, ConfigError> {
        FileLayer::parse(Path::new("rpc.toml"), text)
    }

    #[test]
    fn values_keep_their_lines() {
        let layer =
            parse("# c\n[github]\nurl = \"https://x\"\n\n[serve]\nshadow = true\n").unwrap();
        let (raw, line) = &layer.values[&("github".into(), "url".into())];
        assert!(matches!(raw, Raw::Str(s) if s == "https://x"));
        assert_eq!(*line, 3);
        assert_eq!(layer.values[&("serve".into(), "shadow".into())].1, 6);
    }

    #[test]
    fn unknown_section_and_key_name_their_line() {
        let err = parse("[github]\nurl = \"https://x\"\n[gihtub]\n").unwrap_err();
        assert!(
            matches!(&err, ConfigError::UnknownSection { line: 3, section, .. } if section == "gihtub"),
            "{err:?}"
        );
        let err = parse("[serve]\n\nlisten_on = 1\n").unwrap_err();
        assert!(
            matches!(&err, ConfigError::UnknownKey { line: 3, key, .. } if key == "listen_on"),
            "{err:?}"
        );
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let err = parse("[github]\nurl = \n").unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn integers_in_any_radix() {
        let layer = parse("[github]\napp_id = 0x10\n").unwrap();
        let (raw, _) = &layer.values[&("github".into(), "app_id".into())];
        assert!(matches!(raw, Raw::Int(16)), "{raw:?}");
    }
}
