//! The release binary as a self-hoster gets it: copied alone into an empty folder, it serves
//! the whole app (pages, WASM, JS, CSS) from inside itself.
//!
//! It needs `target/release/helpdesk` built by `make release` (or the binary named by
//! `HELPDESK_RELEASE_BIN`), so it is skipped by a plain `cargo test`; `make test` builds the
//! release binary and runs it (`make release-test`).

use crate::common;

use common::process;
use reqwest::{Client, StatusCode, header};
use std::path::PathBuf;

fn release_bin() -> PathBuf {
    let bin = std::env::var_os("HELPDESK_RELEASE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/helpdesk")
        });
    assert!(
        bin.is_file(),
        "{} is missing: build it with `make release`",
        bin.display()
    );
    bin
}

/// The versioned `/pkg/<version>/helpdesk...` address a page links with this extension.
fn linked(html: &str, ext: &str) -> String {
    html.split('"')
        .find(|part| part.starts_with("/pkg/") && part.ends_with(&format!("/helpdesk{ext}")))
        .unwrap_or_else(|| panic!("no {ext} linked in:\n{html}"))
        .to_string()
}

fn head(res: &reqwest::Response, name: header::HeaderName) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs the release binary: `make release-test` builds and runs it"]
async fn the_release_binary_alone_serves_the_whole_app() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("helpdesk");
    std::fs::copy(release_bin(), &bin).unwrap();
    process::create_admin(&bin, dir.path(), "root", "a-long-password");
    // A first run in an empty folder keeps its database in ./data.
    assert!(dir.path().join("data/helpdesk.db").is_file());
    let server = process::start(&bin, dir.path(), &[], &[]);
    let base = server.base();

    // Signing in and the home page, through a client that decodes compressed answers.
    let browser = common::browser().build().unwrap();
    let login = browser
        .post(format!("{base}/api/login"))
        .header("accept", "application/json")
        .form(&[("username", "root"), ("password", "a-long-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let home = browser.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    // (Leptos marks text boundaries with <!> for hydration.)
    assert!(html.replace("<!>", "").contains("Welcome, root"), "{html}");

    // Pages themselves are compressed on the fly.
    let raw = Client::builder().no_gzip().no_brotli().build().unwrap();
    let login_page = raw
        .get(format!("{base}/login"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(head(&login_page, header::CONTENT_ENCODING), "gzip");

    let gzip_only = Client::builder().no_brotli().build().unwrap();
    for (ext, content_type) in [
        (".wasm", "application/wasm"),
        (".js", "text/javascript"),
        (".css", "text/css"),
    ] {
        let url = format!("{base}{}", linked(&html, ext));
        let plain = raw.get(&url).send().await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK, "{url}");
        assert!(head(&plain, header::CONTENT_TYPE).starts_with(content_type));
        assert_eq!(head(&plain, header::CONTENT_ENCODING), "", "{url}");
        assert_eq!(
            head(&plain, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        let original = plain.bytes().await.unwrap();
        if ext == ".wasm" {
            assert!(original.starts_with(b"\0asm"), "not WebAssembly");
        }

        for (encoding, decoder) in [("br", &browser), ("gzip", &gzip_only)] {
            let packed = raw
                .get(&url)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(head(&packed, header::CONTENT_ENCODING), encoding, "{url}");
            assert!(head(&packed, header::CONTENT_TYPE).starts_with(content_type));
            assert_eq!(head(&packed, header::VARY), "accept-encoding");
            let etag = head(&packed, header::ETAG);
            assert!(etag.starts_with('"'), "strong ETag expected: {etag}");
            let size = packed.bytes().await.unwrap().len();
            assert!(size < original.len(), "{url} {encoding}: {size} bytes");
            // The variant decodes to exactly the original.
            let decoded = decoder
                .get(&url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert!(decoded == original, "{url} {encoding} differs");
            // A browser holding this variant revalidates for free.
            let again = raw
                .get(&url)
                .header("accept-encoding", encoding)
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{url}");
        }
    }

    // The WASM's lazily loaded parts (the admin pages), each listed in the manifest, come
    // from the same versioned folder, as does their loader, which imports the app's JS by a
    // relative name: the very copy the page loaded.
    let folder = linked(&html, ".js")
        .trim_end_matches("/helpdesk.js")
        .to_string();
    let loader = raw
        .get(format!(
            "{base}{folder}/__wasm_split.______________________.js"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(loader.status(), StatusCode::OK);
    assert_eq!(
        head(&loader, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(
        loader
            .text()
            .await
            .unwrap()
            .contains(r#"from "./helpdesk.js""#)
    );
    let manifest: std::collections::HashMap<String, Vec<String>> = raw
        .get(format!("{base}{folder}/__wasm_split_manifest.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        manifest.keys().any(|k| k.contains("dashboard")),
        "{manifest:?}"
    );
    for part in manifest.values().flatten() {
        let res = raw
            .get(format!("{base}{folder}/{part}.wasm"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{part}");
        assert!(res.bytes().await.unwrap().starts_with(b"\0asm"), "{part}");
    }

    // Unversioned files are revalidated each time; an old version's folder is gone.
    let icon = raw.get(format!("{base}/favicon.svg")).send().await.unwrap();
    assert_eq!(icon.status(), StatusCode::OK);
    assert!(head(&icon, header::CONTENT_TYPE).starts_with("image/svg+xml"));
    assert_eq!(head(&icon, header::CACHE_CONTROL), "no-cache");
    let stale = raw
        .get(format!("{base}/pkg/000000000000/helpdesk.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);

    server.terminate();
    assert!(server.exit_status().success());
}
