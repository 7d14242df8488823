//! Attachments as the browser and the server both see them.

use serde::{Deserialize, Serialize};

/// The longest file name kept, in characters (the extension is kept whole).
pub const NAME_MAX: usize = 150;

/// The attachment settings, read once at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The largest file, in bytes.
    pub file: u64,
    /// The most files on one comment.
    pub per_comment: u64,
    /// The most one ticket's files may add up to, in bytes.
    pub per_ticket: u64,
}

impl Limits {
    /// The largest request the upload route reads: a comment's worth of the largest files
    /// (the form without JavaScript sends them together), and room for the form's fields.
    pub fn request(&self) -> u64 {
        self.file * self.per_comment + (1 << 20)
    }
}

/// The pictures browsers show without running anything: served inline and given
/// thumbnails. Every other type is a download.
pub const PICTURES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

pub fn is_picture(content_type: &str) -> bool {
    PICTURES.contains(&content_type)
}

/// Limits for tests that attach nothing over them.
#[cfg(test)]
pub const TEST_LIMITS: Limits = Limits {
    file: 25 << 20,
    per_comment: 10,
    per_ticket: 250 << 20,
};

/// A file uploaded ahead of its comment: what the uploader's browser is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    /// Names the upload when the comment is sent; only its uploader can use it.
    pub token: String,
    pub name: String,
    pub size: u64,
    /// Decided from the content.
    pub content_type: String,
}

/// A file as the thread shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Attachment {
    pub id: i64,
    /// The comment it came with (the description, for the ticket's own files).
    #[serde(skip)]
    pub comment_id: i64,
    pub name: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "i64"))]
    pub size: u64,
    pub content_type: String,
    /// A picture's size in pixels; `None` for other files.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// A thumbnail was made.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub thumb: bool,
}

impl Attachment {
    /// Where it is served. The name in the path is for the browser's address bar and
    /// history only (the server goes by the id and names the download itself), so it is
    /// kept to characters no URL needs to escape.
    pub fn href(&self) -> String {
        format!("/files/{}/{}", self.id, self.path_name())
    }

    pub fn thumb_href(&self) -> String {
        format!("/files/{}/thumb/{}", self.id, self.path_name())
    }

    fn path_name(&self) -> String {
        self.name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    pub fn is_picture(&self) -> bool {
        is_picture(&self.content_type)
    }
}

/// A file's name as given (by a browser or a mail), made safe to keep and show: no folders
/// (only what follows the last `/` or `\`), none of the characters `text::refused_char`
/// refuses (controls; direction overrides that make "invoice\u{202E}fdp.exe" read as
/// "invoiceexe.pdf"), no leading dots or spaces (hidden files), at most `NAME_MAX`
/// characters with the extension kept. Nothing left: "file".
pub fn clean_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = crate::text::cleaned(last, false)
        .chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}'))
        .collect();
    let name = kept.trim().trim_start_matches(['.', ' ']).trim_end();
    if name.is_empty() {
        return "file".into();
    }
    if name.chars().count() <= NAME_MAX {
        return name.to_string();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, ext),
        _ => (name, ""),
    };
    let room = NAME_MAX - ext.chars().count() - usize::from(!ext.is_empty());
    let stem: String = stem.chars().take(room).collect();
    if ext.is_empty() {
        stem
    } else {
        format!("{}.{ext}", stem.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_controls_overrides_and_hiding_and_keep_their_extension() {
        assert_eq!(clean_name("screenshot.png"), "screenshot.png");
        assert_eq!(
            clean_name("C:\\Users\\ann\\Desktop\\error.jpg"),
            "error.jpg"
        );
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_name("a\u{0}b\tc\nd.txt"), "abcd.txt");
        assert_eq!(clean_name("\u{200F}left.txt"), "left.txt");
        assert_eq!(clean_name(".htaccess"), "htaccess");
        assert_eq!(clean_name("  . "), "file");
        assert_eq!(clean_name("folder/"), "file");
        assert_eq!(clean_name("Ünïcödé 報告.pdf"), "Ünïcödé 報告.pdf");
        let long = format!("{}.pdf", "x".repeat(400));
        let cut = clean_name(&long);
        assert_eq!(cut.chars().count(), NAME_MAX);
        assert!(cut.ends_with("xx.pdf"));
        let no_ext = "y".repeat(400);
        assert_eq!(clean_name(&no_ext).chars().count(), NAME_MAX);
    }
}
