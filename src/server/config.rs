//! Runtime settings: defaults < `Leptos.toml` < environment < command-line flags.

use serde::Deserialize;
use std::{net::SocketAddr, path::Path};

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Folder for the database (and whatever else the helpdesk keeps); created if missing.
    pub data_dir: String,
    pub database_url: String,
    /// A folder with the compiled site to serve instead of the one built into the binary.
    pub site_root: Option<String>,
    /// Mark the session cookie `Secure`: turn on when users reach the app over https.
    pub secure_cookies: bool,
    /// Trust X-Forwarded-For / X-Forwarded-Proto from the reverse proxy in front.
    pub behind_proxy: bool,
    pub log_format: LogFormat,
}

/// How the server logs: readable lines for a terminal, or one JSON object per line for a
/// log collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
pub const DEFAULT_DATA_DIR: &str = "data";
/// The database file inside the data directory, unless `database_url` says otherwise.
pub const DATABASE_FILE: &str = "helpdesk.db";
/// Where `cargo leptos build` puts the site: served by a binary that has none built in.
pub const DEFAULT_SITE_ROOT: &str = "target/site";

/// The keys the config file may hold; anything else is refused so typos do not pass silently.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<String>,
    pub database_url: Option<String>,
    pub site_root: Option<String>,
    pub secure_cookies: Option<bool>,
    pub behind_proxy: Option<bool>,
    pub log_format: Option<LogFormat>,
}

/// Values that came from flags or the environment (clap merges those two, flag first).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<String>,
    pub database_url: Option<String>,
    pub site_root: Option<String>,
    pub secure_cookies: Option<bool>,
    pub behind_proxy: Option<bool>,
    pub log_format: Option<LogFormat>,
}

impl FileConfig {
    /// Reads the file if it exists. A missing default file is fine; a broken one is an error.
    pub fn load(path: &Path, required: bool) -> Result<FileConfig, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| format!("cannot read config file {}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(FileConfig::default())
            }
            Err(e) => Err(format!("cannot open config file {}: {e}", path.display())),
        }
    }
}

impl Config {
    pub fn resolve(file: FileConfig, over: Overrides) -> Result<Config, String> {
        let listen = over
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen = listen
            .parse()
            .map_err(|_| format!("listen address {listen:?} is not of the form IP:PORT"))?;
        let data_dir = over
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| DEFAULT_DATA_DIR.into());
        let database_url = over.database_url.or(file.database_url).unwrap_or_else(|| {
            let path = Path::new(&data_dir).join(DATABASE_FILE);
            format!("sqlite://{}", path.display())
        });
        Ok(Config {
            listen,
            data_dir,
            database_url,
            site_root: over.site_root.or(file.site_root),
            secure_cookies: over.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            behind_proxy: over.behind_proxy.or(file.behind_proxy).unwrap_or(false),
            log_format: over.log_format.or(file.log_format).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_env_beat_the_file_which_beats_defaults() {
        let file = FileConfig {
            listen: Some("0.0.0.0:8080".into()),
            database_url: Some("sqlite://file.db".into()),
            ..Default::default()
        };
        let over = Overrides {
            database_url: Some("sqlite://flag.db".into()),
            ..Default::default()
        };
        let config = Config::resolve(file, over).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(config.database_url, "sqlite://flag.db");
        assert_eq!(config.site_root, None);
        assert!(!config.secure_cookies);
        assert!(!config.behind_proxy);
    }

    #[test]
    fn the_database_lives_in_the_data_directory_unless_given() {
        let config = Config::resolve(FileConfig::default(), Overrides::default()).unwrap();
        assert_eq!(config.database_url, "sqlite://data/helpdesk.db");
        let over = Overrides {
            data_dir: Some("/var/lib/helpdesk".into()),
            ..Default::default()
        };
        let config = Config::resolve(FileConfig::default(), over.clone()).unwrap();
        assert_eq!(
            config.database_url,
            "sqlite:///var/lib/helpdesk/helpdesk.db"
        );
        let over = Overrides {
            database_url: Some("sqlite://elsewhere.db".into()),
            ..over
        };
        let config = Config::resolve(FileConfig::default(), over).unwrap();
        assert_eq!(config.database_url, "sqlite://elsewhere.db");
    }

    #[test]
    fn a_bad_listen_address_is_explained() {
        let over = Overrides {
            listen: Some("localhost".into()),
            ..Default::default()
        };
        assert!(
            Config::resolve(FileConfig::default(), over)
                .unwrap_err()
                .contains("IP:PORT")
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Leptos.toml");
        std::fs::write(&path, "lissen = \"1.2.3.4:5\"\n").unwrap();
        assert!(FileConfig::load(&path, false).is_err());
        assert!(FileConfig::load(&dir.path().join("none.toml"), false).is_ok());
        assert!(FileConfig::load(&dir.path().join("none.toml"), true).is_err());
    }
}
