//! Files in the thread: pictures as thumbnails that open full size in a viewer (a modal
//! dialog: the page behind it inert, Escape closes it, the arrow keys move between the
//! ticket's pictures, focus goes back to the thumbnail); everything else as a download.
//! Without JavaScript a thumbnail is a plain link to the picture.

use super::model::Attachment;
use crate::{
    components::html::{attr, text},
    text::bytes,
};
use leptos::{html, prelude::*};

/// The thumbnail's room in the thread, in CSS pixels (the image is twice that).
const ROOM: (f64, f64) = (240.0, 180.0);

/// The thread's pictures and which one the viewer shows.
#[derive(Clone, Copy)]
pub struct Viewer {
    pictures: StoredValue<Vec<Attachment>>,
    open: RwSignal<Option<usize>>,
    dialog: NodeRef<html::Dialog>,
}

impl Viewer {
    /// A viewer over the pictures among `files` that have thumbnails, in order.
    pub fn new<'a>(files: impl Iterator<Item = &'a Attachment>) -> Viewer {
        Viewer {
            pictures: StoredValue::new(
                files
                    .filter(|f| f.is_picture() && f.thumb)
                    .cloned()
                    .collect(),
            ),
            open: RwSignal::new(None),
            dialog: NodeRef::new(),
        }
    }

    fn index_of(&self, id: i64) -> Option<usize> {
        self.pictures
            .with_value(|p| p.iter().position(|f| f.id == id))
    }

    fn count(&self) -> usize {
        self.pictures.with_value(Vec::len)
    }

    #[cfg(feature = "hydrate")]
    fn show(&self, i: usize) {
        self.open.set(Some(i));
        #[cfg(feature = "hydrate")]
        if let Some(dialog) = self.dialog.get_untracked()
            && !dialog.open()
        {
            let _ = dialog.show_modal();
        }
    }

    /// A click in a region of `files_html`: a plain click on a thumbnail opens its picture
    /// here (with a modifier or another button, the new tab or window asked for).
    #[cfg(feature = "hydrate")]
    pub fn clicked(&self, ev: &leptos::ev::MouseEvent) {
        use wasm_bindgen::JsCast;
        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
            return;
        }
        let picture = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[data-picture]").ok().flatten())
            .and_then(|link| link.get_attribute("data-picture"))
            .and_then(|i| i.parse::<usize>().ok());
        if let Some(i) = picture {
            ev.prevent_default();
            self.show(i);
        }
    }

    /// One picture on (`by` 1) or back (-1), stopping at either end.
    fn step(&self, by: isize) {
        if let Some(i) = self.open.get_untracked() {
            let next = i
                .saturating_add_signed(by)
                .min(self.count().saturating_sub(1));
            self.open.set(Some(next));
        }
    }
}

/// "PDF", "Picture", …: what a file is, from its type (decided from its content).
fn kind(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "application/zip" | "application/gzip" | "application/x-7z-compressed" => "Archive",
        t if t.starts_with("image/") => "Picture",
        t if t.starts_with("text/") => "Text",
        t if t.starts_with("video/") => "Video",
        t if t.starts_with("audio/") => "Audio",
        _ => "File",
    }
}

/// The files of one comment, as HTML (see components/html.rs; the thread is written so).
/// A picture's link carries its place among the viewer's pictures (`data-picture`), for
/// `Viewer::clicked`.
pub fn files_html(out: &mut String, files: &[Attachment], viewer: Viewer) {
    let count = files.len();
    out.push_str(r#"<ul class="files" aria-label=""#);
    if count == 1 {
        out.push_str("1 attached file");
    } else {
        out.push_str(&format!("{count} attached files"));
    }
    out.push_str(r#"">"#);
    for f in files {
        let size = bytes(f.size);
        match viewer.index_of(f.id) {
            Some(i) => {
                let (w, h) = (
                    f64::from(f.width.unwrap_or(1)),
                    f64::from(f.height.unwrap_or(1)),
                );
                let scale = (ROOM.0 / w).min(ROOM.1 / h).min(1.0);
                out.push_str(r#"<li class="file file-picture"><a href=""#);
                attr(out, &f.href());
                out.push_str(r#"" rel="external" class="thumb" id="file-"#);
                out.push_str(&format!(r#"{}" data-picture="{i}"><img src=""#, f.id));
                attr(out, &f.thumb_href());
                out.push_str(r#"" alt=""#);
                attr(out, &f.name);
                out.push_str(&format!(
                    r#" (open full size)" width="{}" height="{}" loading="lazy" decoding="async"></a><span class="file-caption">"#,
                    (w * scale).round() as u32,
                    (h * scale).round() as u32
                ));
                text(out, &f.name);
                out.push_str(r#" · <span class="muted">"#);
                text(out, &size);
                out.push_str("</span></span></li>");
            }
            None => {
                // rel=external: the router's client-side navigation leaves it alone, and
                // the server answers with the file itself.
                out.push_str(r#"<li class="file"><span class="file-icon" aria-hidden="true">📎</span><a href=""#);
                attr(out, &f.href());
                out.push_str(r#"" rel="external">"#);
                text(out, &f.name);
                out.push_str(r#"</a><span class="muted">"#);
                out.push_str(kind(&f.content_type));
                out.push_str(" · ");
                text(out, &size);
                out.push_str("</span></li>");
            }
        }
    }
    out.push_str("</ul>");
}

/// The full-size picture, over the page.
#[component]
pub fn PictureViewer(viewer: Viewer) -> impl IntoView {
    let current = move || {
        viewer.open.get().and_then(|i| {
            viewer
                .pictures
                .with_value(|p| p.get(i).cloned())
                .map(|f| (i, f))
        })
    };
    let close_button = NodeRef::<html::Button>::new();
    let total = viewer.count();
    // Each picture shown puts the focus on Close, so Escape, Enter or the arrows all work.
    Effect::new(move || {
        if viewer.open.get().is_some()
            && let Some(button) = close_button.get()
        {
            let _ = button.focus();
        }
    });
    let close = move || {
        #[cfg(feature = "hydrate")]
        if let Some(dialog) = viewer.dialog.get_untracked() {
            dialog.close();
        }
    };
    // Closed by any means (Escape included): back to the thumbnail it was opened from.
    let closed = move |_| {
        let shown = viewer
            .open
            .get_untracked()
            .and_then(|i| viewer.pictures.with_value(|p| p.get(i).map(|f| f.id)));
        viewer.open.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(id) = shown
            && let Some(link) = document().get_element_by_id(&format!("file-{id}"))
        {
            use wasm_bindgen::JsCast;
            if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
                let _ = link.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = shown;
    };
    let keys = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowLeft" => {
            ev.prevent_default();
            viewer.step(-1);
        }
        "ArrowRight" => {
            ev.prevent_default();
            viewer.step(1);
        }
        _ => {}
    };
    view! {
        <dialog class="viewer" node_ref=viewer.dialog aria-labelledby="viewer-title"
            on:close=closed on:keydown=keys>
            {move || current().map(|(i, f)| view! {
                <div class="viewer-bar">
                    <h2 id="viewer-title" class="viewer-title">{f.name.clone()}</h2>
                    <span class="muted">{format!("{} of {total}", i + 1)}</span>
                    <a class="btn btn-quiet" href=f.href() target="_blank" rel="noopener">"Open in a new tab"</a>
                    <button type="button" class="btn" node_ref=close_button on:click=move |_| close()>"Close"</button>
                </div>
                <div class="viewer-stage">
                    <button type="button" class="btn viewer-step"
                        disabled=i == 0 on:click=move |_| viewer.step(-1)>
                        <span aria-hidden="true">"‹ "</span>"Previous"
                    </button>
                    <img src=f.href() alt=f.name.clone() width=f.width height=f.height/>
                    <button type="button" class="btn viewer-step"
                        disabled=i + 1 >= total on:click=move |_| viewer.step(1)>
                        "Next"<span aria-hidden="true">" ›"</span>
                    </button>
                </div>
                <p class="hint viewer-hint">"← and → move between the ticket's pictures; Escape closes."</p>
            })}
        </dialog>
    }
}
