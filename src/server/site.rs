//! The compiled site (WASM, JS, CSS and the files of `public/`), served from memory.
//!
//! A release binary carries the site inside it (feature `embed-site`), with the brotli and
//! gzip variants `cargo leptos build --precompress` wrote next to each file (`make release`
//! builds it into target/release-site); a development build reads target/site at start.
//! Either way each file is answered with its content type, a strong ETag, the best
//! precompressed variant the browser accepts, and a cache lifetime: the app's files (JS,
//! WASM, CSS and the WASM's lazily loaded parts) are linked under a folder named by a hash
//! of all their content (`/pkg/<version>/helpdesk.wasm`), so browsers keep them forever
//! (`immutable`) and a new release is fetched at once; other files are revalidated each
//! time. A folder rather than a name per file: the WASM's loader imports its parts and the
//! app's JS by relative names, which must resolve to the one copy the page loaded.

use super::config::SiteRoot;
use crate::base::context::{header_items, if_none_match};
use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hasher},
    path::{Path, PathBuf},
};

/// The app's own files (in `pkg/`): without them the site is not built and has no version.
const APP_FILES: [&str; 3] = ["helpdesk.js", "helpdesk.wasm", "helpdesk.css"];
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Where the files came from, for the start-up log and `helpdesk config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    Folder(PathBuf),
}

#[derive(Debug)]
pub struct Site {
    files: HashMap<String, Asset>,
    /// Hash of every file in `pkg/` together: the folder pages link them under.
    version: Option<String>,
    pub origin: Origin,
}

#[derive(Debug)]
struct Asset {
    content_type: HeaderValue,
    /// Content hash (hex) of the uncompressed file; each encoding gets its own strong ETag.
    hash: String,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

#[cfg(feature = "embed-site")]
#[derive(rust_embed::RustEmbed)]
// `make release` builds the release site here, apart from the debug build's target/site, so
// neither build's files (or precompressed variants) end up in the other.
#[folder = "target/release-site"]
// Type declarations wasm-bindgen writes for TypeScript users; no browser asks for them.
#[exclude = "*.d.ts"]
#[exclude = "*.d.ts.br"]
#[exclude = "*.d.ts.gz"]
struct Embedded;

impl Site {
    /// The folder when one is given, else the embedded copy, else cargo-leptos' output folder.
    pub fn load(root: &SiteRoot) -> std::io::Result<Site> {
        match root {
            SiteRoot::Folder(dir) => Site::from_folder(Path::new(dir)),
            SiteRoot::BuiltIn => Site::embedded_or_default(),
        }
    }

    #[cfg(feature = "embed-site")]
    fn embedded_or_default() -> std::io::Result<Site> {
        let files = Embedded::iter().filter_map(|path| {
            let file = Embedded::get(&path)?;
            // Hashed at compile time: starting up never reads the (1.5 MB) files themselves.
            let hash: String = file.metadata.sha256_hash()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let data = match file.data {
                std::borrow::Cow::Borrowed(bytes) => Bytes::from_static(bytes),
                std::borrow::Cow::Owned(bytes) => Bytes::from(bytes),
            };
            Some((path.into_owned(), data, Some(hash)))
        });
        Ok(Site::from_files(files, Origin::Embedded))
    }

    #[cfg(not(feature = "embed-site"))]
    fn embedded_or_default() -> std::io::Result<Site> {
        Site::from_folder(Path::new(super::config::DEFAULT_SITE_ROOT))
    }

    /// Reads every file under `dir`. A missing folder is an empty site (the server still
    /// renders pages, which then cannot hydrate): tests of the server alone need no build.
    fn from_folder(dir: &Path) -> std::io::Result<Site> {
        let mut files = Vec::new();
        if dir.is_dir() {
            read_tree(dir, dir, &mut files)?;
            // A .br/.gz older than its original belongs to an earlier build: skip it, or the
            // browser would get old code under the new file's name.
            let modified: HashMap<String, std::time::SystemTime> =
                files.iter().map(|(p, _, m)| (p.clone(), *m)).collect();
            files.retain(|(path, _, when)| {
                let original = path.strip_suffix(".br").or(path.strip_suffix(".gz"));
                match original.and_then(|o| modified.get(o)) {
                    Some(original_time) => when >= original_time,
                    None => true,
                }
            });
        } else {
            tracing::warn!(folder = %dir.display(), "no compiled site in this folder: pages will not become interactive");
        }
        Ok(Site::from_files(
            files.into_iter().map(|(path, data, _)| (path, data, None)),
            Origin::Folder(dir.to_path_buf()),
        ))
    }

    /// Builds the site from (path, content, content hash if known) triples.
    fn from_files(
        files: impl Iterator<Item = (String, Bytes, Option<String>)>,
        origin: Origin,
    ) -> Site {
        let mut plain = HashMap::new();
        let mut variants = Vec::new();
        for (path, data, hash) in files {
            if path
                .trim_end_matches(".br")
                .trim_end_matches(".gz")
                .ends_with(".d.ts")
            {
                continue;
            }
            match (path.strip_suffix(".br"), path.strip_suffix(".gz")) {
                (Some(base), _) => variants.push((base.to_string(), Encoding::Brotli, data)),
                (_, Some(base)) => variants.push((base.to_string(), Encoding::Gzip, data)),
                _ => {
                    plain.insert(path, (data, hash));
                }
            }
        }
        let mut site: HashMap<String, Asset> = plain
            .into_iter()
            .map(|(path, (identity, hash))| {
                let content_type = mime_guess::from_path(&path)
                    .first_raw()
                    .unwrap_or("application/octet-stream");
                let content_type = if content_type.starts_with("text/")
                    || content_type == "application/javascript"
                    || content_type == "image/svg+xml"
                {
                    format!("{content_type}; charset=utf-8")
                } else {
                    content_type.to_string()
                };
                let asset = Asset {
                    content_type: HeaderValue::from_str(&content_type)
                        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                    hash: hash.unwrap_or_else(|| hex_hash(&[&identity])),
                    identity,
                    brotli: None,
                    gzip: None,
                };
                (path, asset)
            })
            .collect();
        // A `.br`/`.gz` without its original has nothing to stand for: left out.
        for (base, encoding, data) in variants {
            if let Some(asset) = site.get_mut(&base) {
                match encoding {
                    Encoding::Brotli => asset.brotli = Some(data),
                    _ => asset.gzip = Some(data),
                }
            }
        }
        let built = APP_FILES
            .iter()
            .all(|name| site.contains_key(&format!("pkg/{name}")));
        let mut pkg: Vec<(&String, &Asset)> = site
            .iter()
            .filter(|(path, _)| path.starts_with("pkg/"))
            .collect();
        pkg.sort_by_key(|(path, _)| *path);
        let parts: Vec<&[u8]> = pkg
            .iter()
            .flat_map(|(path, asset)| [path.as_bytes(), asset.hash.as_bytes()])
            .collect();
        let version = built.then(|| hex_hash(&parts)[..12].to_string());
        Site {
            files: site,
            version,
            origin,
        }
    }

    /// The folder pages link the app's files under (`pkg/<version>`, or plain `pkg` when
    /// the site is not built).
    pub fn pkg_dir(&self) -> String {
        match &self.version {
            Some(version) => format!("pkg/{version}"),
            None => "pkg".to_string(),
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file at `path` (without the leading `/`) and whether its name is versioned.
    fn find(&self, path: &str) -> Option<(&Asset, bool)> {
        if let Some(asset) = self.files.get(path) {
            return Some((asset, false));
        }
        // pkg/<version>/helpdesk.wasm → pkg/helpdesk.wasm, for the current version only: an
        // older page asking for an older build gets a 404 rather than mismatched code.
        let version = self.version.as_deref()?;
        let (v, name) = path.strip_prefix("pkg/")?.split_once('/')?;
        if v != version {
            return None;
        }
        self.files
            .get(&format!("pkg/{name}"))
            .map(|asset| (asset, true))
    }

    /// The answer for a GET or HEAD of `path`, or `None` when the site has no such file.
    pub fn respond(&self, method: &Method, path: &str, headers: &HeaderMap) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let (asset, versioned) = self.find(path.trim_start_matches('/'))?;
        let encoding = negotiate(headers, asset);
        let (body, etag) = match encoding {
            Encoding::Brotli => (asset.brotli.clone(), format!("\"{}.br\"", asset.hash)),
            Encoding::Gzip => (asset.gzip.clone(), format!("\"{}.gz\"", asset.hash)),
            Encoding::Identity => (Some(asset.identity.clone()), format!("\"{}\"", asset.hash)),
        };
        let body = body.unwrap_or_else(|| asset.identity.clone());
        let cache = if versioned { IMMUTABLE } else { REVALIDATE };
        let mut res = if if_none_match(headers, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut res = Response::new(Body::from(body));
            res.headers_mut()
                .insert(header::CONTENT_TYPE, asset.content_type.clone());
            match encoding {
                Encoding::Brotli => {
                    res.headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                }
                Encoding::Gzip => {
                    res.headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                Encoding::Identity => {}
            }
            res
        };
        let h = res.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, etag);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if asset.brotli.is_some() || asset.gzip.is_some() {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        Some(res)
    }
}

/// The best variant this file has that the request's `Accept-Encoding` allows (brotli is
/// smaller than gzip; `q=0` refuses an encoding).
fn negotiate(headers: &HeaderMap, asset: &Asset) -> Encoding {
    let accepted = |name: &str| {
        header_items(headers, header::ACCEPT_ENCODING, ',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case(name) || coding == "*") && q > 0.0
        })
    };
    if asset.brotli.is_some() && accepted("br") {
        Encoding::Brotli
    } else if asset.gzip.is_some() && accepted("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn hex_hash(parts: &[&[u8]]) -> String {
    // Two differently seeded 64-bit hashes: ETags and versions need to change when the
    // content does, not to resist an attacker (who would only spoil their own cache).
    let mut out = String::with_capacity(32);
    for seed in [0u64, 0x9e37_79b9_7f4a_7c15] {
        let mut h = DefaultHasher::new();
        h.write_u64(seed);
        for part in parts {
            h.write(part);
        }
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

type FolderFile = (String, Bytes, std::time::SystemTime);

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<FolderFile>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            read_tree(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let modified = std::fs::metadata(&path)?.modified()?;
            out.push((rel, Bytes::from(std::fs::read(&path)?), modified));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        let files = [
            ("pkg/helpdesk.js", "js"),
            ("pkg/helpdesk.js.br", "js-br"),
            ("pkg/helpdesk.js.gz", "js-gz"),
            ("pkg/helpdesk.wasm", "wasm"),
            ("pkg/helpdesk.wasm.gz", "wasm-gz"),
            ("pkg/helpdesk.css", "css"),
            ("pkg/helpdesk.d.ts", "types"),
            ("pkg/chunk_1.wasm", "part"),
            ("favicon.svg", "<svg/>"),
        ];
        Site::from_files(
            files
                .into_iter()
                .map(|(p, d)| (p.to_string(), Bytes::from_static(d.as_bytes()), None)),
            Origin::Embedded,
        )
    }

    fn get(site: &Site, path: &str, headers: &[(&str, &str)]) -> Option<Response> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        site.respond(&Method::GET, path, &map)
    }

    fn h(res: &Response, name: header::HeaderName) -> &str {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    #[test]
    fn picks_the_best_encoding_the_browser_accepts() {
        let site = site();
        let all = get(
            &site,
            "/pkg/helpdesk.js",
            &[("accept-encoding", "gzip, br")],
        )
        .unwrap();
        assert_eq!(h(&all, header::CONTENT_ENCODING), "br");
        assert_eq!(h(&all, header::VARY), "accept-encoding");
        let no_br = get(
            &site,
            "/pkg/helpdesk.js",
            &[("accept-encoding", "br;q=0, gzip;q=0.5")],
        )
        .unwrap();
        assert_eq!(h(&no_br, header::CONTENT_ENCODING), "gzip");
        let none = get(&site, "/pkg/helpdesk.js", &[]).unwrap();
        assert_eq!(h(&none, header::CONTENT_ENCODING), "");
        // The WASM has no brotli variant here: gzip it is.
        let wasm = get(
            &site,
            "/pkg/helpdesk.wasm",
            &[("accept-encoding", "br, gzip")],
        )
        .unwrap();
        assert_eq!(h(&wasm, header::CONTENT_ENCODING), "gzip");
        assert_eq!(h(&wasm, header::CONTENT_TYPE), "application/wasm");
        // Each representation has its own strong ETag.
        assert_ne!(h(&all, header::ETAG), h(&none, header::ETAG));
        assert!(!h(&all, header::ETAG).starts_with("W/"));
    }

    #[test]
    fn versioned_names_are_immutable_and_others_revalidate() {
        let site = site();
        let dir = site.pkg_dir();
        assert!(dir.starts_with("pkg/") && dir.len() == "pkg/".len() + 12);
        let versioned = get(&site, &format!("/{dir}/helpdesk.css"), &[]).unwrap();
        assert_eq!(h(&versioned, header::CACHE_CONTROL), IMMUTABLE);
        assert_eq!(
            h(&versioned, header::CONTENT_TYPE),
            "text/css; charset=utf-8"
        );
        let plain = get(&site, "/favicon.svg", &[]).unwrap();
        assert_eq!(h(&plain, header::CACHE_CONTROL), REVALIDATE);
        assert!(get(&site, "/pkg/000000000000/helpdesk.css", &[]).is_none());
        // Every file of the folder, not only the three the page links (the WASM's parts).
        let part = get(&site, &format!("/{dir}/chunk_1.wasm"), &[]).unwrap();
        assert_eq!(h(&part, header::CACHE_CONTROL), IMMUTABLE);
        assert!(get(&site, "/pkg/helpdesk.d.ts", &[]).is_none());
        assert!(get(&site, "/missing.txt", &[]).is_none());
        let post = site.respond(&Method::POST, "/favicon.svg", &HeaderMap::new());
        assert!(post.is_none());
    }

    #[test]
    fn a_matching_etag_gets_not_modified() {
        let site = site();
        let first = get(&site, "/favicon.svg", &[]).unwrap();
        let etag = h(&first, header::ETAG).to_string();
        let again = get(&site, "/favicon.svg", &[("if-none-match", &etag)]).unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other = get(&site, "/favicon.svg", &[("if-none-match", "\"other\"")]).unwrap();
        assert_eq!(other.status(), StatusCode::OK);
    }

    #[test]
    fn a_folder_variant_older_than_its_original_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/helpdesk.js.gz"), "old build").unwrap();
        std::fs::write(dir.path().join("pkg/helpdesk.css.gz"), "old build").unwrap();
        let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        for name in ["pkg/helpdesk.js.gz", "pkg/helpdesk.css.gz"] {
            let file = std::fs::File::options()
                .write(true)
                .open(dir.path().join(name))
                .unwrap();
            file.set_modified(earlier).unwrap();
        }
        std::fs::write(dir.path().join("pkg/helpdesk.js"), "new build").unwrap();
        std::fs::write(dir.path().join("pkg/helpdesk.css"), "new build").unwrap();
        // The CSS variant is rewritten after its original: current again.
        std::fs::write(dir.path().join("pkg/helpdesk.css.gz"), "new gzip").unwrap();
        let site = Site::load(&SiteRoot::Folder(dir.path().to_str().unwrap().into())).unwrap();
        let js = get(&site, "/pkg/helpdesk.js", &[("accept-encoding", "gzip")]).unwrap();
        assert_eq!(h(&js, header::CONTENT_ENCODING), "");
        let css = get(&site, "/pkg/helpdesk.css", &[("accept-encoding", "gzip")]).unwrap();
        assert_eq!(h(&css, header::CONTENT_ENCODING), "gzip");
        assert_eq!(site.origin, Origin::Folder(dir.path().to_path_buf()));
    }

    #[test]
    fn the_version_follows_the_content() {
        let a = site();
        let with = |part: &'static str| {
            Site::from_files(
                [
                    ("pkg/helpdesk.js", "js"),
                    ("pkg/helpdesk.wasm", "wasm"),
                    ("pkg/helpdesk.css", "css"),
                    ("pkg/chunk_1.wasm", part),
                    ("favicon.svg", "<svg/>"),
                ]
                .into_iter()
                .map(|(p, d)| (p.to_string(), Bytes::from_static(d.as_bytes()), None)),
                Origin::Embedded,
            )
        };
        // A part of the WASM changing alone is a new version too.
        assert_eq!(a.pkg_dir(), with("part").pkg_dir());
        assert_ne!(a.pkg_dir(), with("changed").pkg_dir());
        let unbuilt = Site::from_files(std::iter::empty(), Origin::Embedded);
        assert_eq!(unbuilt.pkg_dir(), "pkg");
    }
}
