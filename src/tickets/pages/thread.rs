//! A ticket's thread: comments as cards and the other changes as one-line entries between
//! them, in order; each comment's files under it, the pictures opening in one viewer.
//!
//! The entries are written as HTML (components/html.rs says why), the same in the server
//! and in the browser: a page of the thread is up to 50 of them, each some twenty elements
//! as views. What moves once hydrated is done on the written entries: times turn local and
//! a thumbnail's click opens the viewer.

use super::super::model::{EventKind, HistoryEntry, HistoryPage, Priority, TicketStatus};
use crate::{
    components::{avatar_html, html::text, time_html},
    files::view::{PictureViewer, Viewer, files_html},
};
use leptos::{html, prelude::*};

#[component]
pub(super) fn Thread(page: HistoryPage) -> impl IntoView {
    let HistoryPage {
        entries,
        earlier,
        older,
    } = page;
    let viewer = Viewer::new(entries.iter().flat_map(|e| &e.files));
    // Plain links: the router fetches the page without a reload, and without JavaScript
    // they are ordinary pages.
    let show_earlier = earlier.map(|c| {
        view! {
            <p class="thread-more">
                <a href=format!("?before={}", c.to_param()) class="btn">"Show earlier"</a>
            </p>
        }
    });
    let show_newest = older.then(|| {
        view! {
            <p class="thread-more">
                <a href="?" class="btn">"Show the newest"</a>
            </p>
        }
    });
    let list = NodeRef::<html::Ol>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move || {
        use leptos::tachys::html::element::ElementExt;
        let Some(list) = list.get() else { return };
        crate::components::localize_times(&list, false);
        let clicks = list.on(leptos::ev::click, move |ev| viewer.clicked(&ev));
        // Dropping it removes it.
        on_cleanup(move || drop(clicks));
    });
    view! {
        {show_earlier}
        <ol class="thread" node_ref=list inner_html=entries_html(&entries, viewer)></ol>
        {show_newest}
        <PictureViewer viewer/>
    }
}

/// The entries. Everything from the data is escaped: comments are people's own words.
fn entries_html(entries: &[HistoryEntry], viewer: Viewer) -> String {
    let mut out = String::with_capacity(entries.len() * 1_200);
    for e in entries {
        match (e.kind, &e.comment_text) {
            (EventKind::Created | EventKind::Comment, Some(comment)) => {
                out.push_str(if e.internal {
                    r#"<li class="comment comment-internal" id="event-"#
                } else {
                    r#"<li class="comment" id="event-"#
                });
                out.push_str(&e.id.to_string());
                out.push_str(r#"">"#);
                avatar_html(&mut out, &e.actor, e.actor_avatar.as_deref());
                out.push_str(
                    r#"<article class="comment-body"><header class="comment-meta"><strong>"#,
                );
                text(&mut out, &e.actor);
                out.push_str("</strong>");
                if e.actor_is_staff {
                    out.push_str(r#"<span class="tag">Staff</span>"#);
                }
                if e.internal {
                    out.push_str(r#"<span class="tag tag-internal">Internal note</span>"#);
                }
                if e.kind == EventKind::Created {
                    out.push_str(r#"<span class="muted">opened the ticket</span>"#);
                }
                time_html(&mut out, e.created_at, false);
                // Line breaks are kept by the style sheet.
                out.push_str(r#"</header><p class="comment-text">"#);
                text(&mut out, comment);
                out.push_str("</p>");
                if let Some(device) = &e.device_no {
                    out.push_str(
                        r#"<p class="comment-device"><span class="muted">Device number: </span>"#,
                    );
                    text(&mut out, device);
                    out.push_str("</p>");
                }
                if !e.files.is_empty() {
                    files_html(&mut out, &e.files, viewer);
                }
                out.push_str("</article></li>");
            }
            (kind, _) => {
                out.push_str(r#"<li class="event" id="event-"#);
                out.push_str(&e.id.to_string());
                out.push_str(r#""><span class="event-dot" aria-hidden="true"></span><p><strong>"#);
                text(&mut out, &e.actor);
                out.push_str("</strong> ");
                text(&mut out, &what(kind, e));
                out.push_str(" · ");
                time_html(&mut out, e.created_at, false);
                out.push_str("</p></li>");
            }
        }
    }
    out
}

/// A change in words: "changed the status from Pending to Ongoing".
fn what(kind: EventKind, e: &HistoryEntry) -> String {
    let priority = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| Priority::parse(s).ok())
            .map_or("?", Priority::label)
    };
    let status = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| TicketStatus::parse(s).ok())
            .map_or("?", TicketStatus::label)
    };
    match kind {
        EventKind::Status => format!(
            "changed the status from {} to {}",
            status(&e.from_value),
            status(&e.to_value)
        ),
        EventKind::Department => format!(
            "moved the ticket from {} to {}",
            e.from_value.as_deref().unwrap_or_default(),
            e.to_value.as_deref().unwrap_or_default()
        ),
        EventKind::Priority => format!(
            "changed the priority from {} to {}",
            priority(&e.from_value),
            priority(&e.to_value)
        ),
        EventKind::Assignee => match (&e.from_value, &e.to_value) {
            (_, Some(to)) if *to == e.actor => "took the ticket".to_string(),
            (_, Some(to)) => format!("assigned the ticket to {to}"),
            (Some(from), None) => format!("unassigned {from}"),
            (None, None) => "unassigned the ticket".to_string(),
        },
        EventKind::Created => "opened the ticket".to_string(),
        EventKind::Comment => "added a comment".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::model::Attachment;

    fn entry(kind: EventKind, actor: &str, comment: Option<&str>) -> HistoryEntry {
        HistoryEntry {
            id: 7,
            kind,
            actor: actor.into(),
            actor_avatar: None,
            actor_is_staff: false,
            from_value: None,
            to_value: None,
            comment_text: comment.map(String::from),
            device_no: None,
            created_at: 1_796_388_296_207,
            internal: false,
            comment_id: None,
            has_files: false,
            files: Vec::new(),
        }
    }

    fn file(id: i64, name: &str, content_type: &str, thumb: bool) -> Attachment {
        Attachment {
            id,
            comment_id: 1,
            name: name.into(),
            size: 2_048,
            content_type: content_type.into(),
            width: thumb.then_some(1_200),
            height: thumb.then_some(900),
            thumb,
        }
    }

    #[test]
    fn every_text_is_escaped_and_each_kind_of_entry_is_written() {
        let owner = Owner::new();
        owner.with(|| {
            let mut comment = entry(
                EventKind::Comment,
                "ann <b>",
                Some("<script>alert(1)</script>\nline two & more"),
            );
            comment.internal = true;
            comment.actor_is_staff = true;
            comment.device_no = Some("PC-\"7\"".into());
            comment.actor_avatar = Some("https://example.com/a.png?x=1&y=\"2\"".into());
            comment.files = vec![
                file(3, "plan <v2>.pdf", "application/pdf", false),
                file(4, "screen \"1\".png", "image/png", true),
            ];
            let mut moved = entry(EventKind::Department, "bob", None);
            moved.id = 8;
            moved.from_value = Some("R&D".into());
            moved.to_value = Some("<IT>".into());
            let entries = [comment, moved];
            let viewer = Viewer::new(entries.iter().flat_map(|e| &e.files));
            let html = entries_html(&entries, viewer);

            assert!(!html.contains("<script>") && !html.contains("<b>"), "{html}");
            assert!(
                html.contains(r#"<li class="comment comment-internal" id="event-7">"#),
                "{html}"
            );
            assert!(html.contains("<strong>ann &lt;b&gt;</strong>"), "{html}");
            assert!(
                html.contains(r#"<span class="tag">Staff</span><span class="tag tag-internal">Internal note</span>"#),
                "{html}"
            );
            assert!(
                html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\nline two &amp; more</p>"),
                "{html}"
            );
            assert!(
                html.contains(r#"src="https://example.com/a.png?x=1&amp;y=&quot;2&quot;""#),
                "{html}"
            );
            assert!(html.contains("Device number: </span>PC-\"7\"</p>"), "{html}");
            // A file to download, and a picture that opens in the viewer (its first).
            assert!(
                html.contains(r#"rel="external">plan &lt;v2&gt;.pdf</a><span class="muted">PDF · 2 KB</span>"#),
                "{html}"
            );
            assert!(
                html.contains(r#"class="thumb" id="file-4" data-picture="0"><img src="/files/4/thumb/"#),
                "{html}"
            );
            assert!(
                html.contains(r#"alt="screen &quot;1&quot;.png (open full size)" width="240" height="180""#),
                "{html}"
            );
            assert!(html.contains(r#"<ul class="files" aria-label="2 attached files">"#));
            // A change in words, its names escaped, with its time.
            assert!(
                html.contains(r#"<li class="event" id="event-8"><span class="event-dot" aria-hidden="true"></span><p><strong>bob</strong> moved the ticket from R&amp;D to &lt;IT&gt; · <time datetime="2026-12-04T12:44:56Z" title="4 Dec 2026, 12:44 UTC">4 Dec 2026, 12:44 UTC</time></p></li>"#),
                "{html}"
            );
        });
    }
}
