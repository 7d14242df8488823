//! Attaching files to a comment or a new ticket. Without JavaScript the form posts as
//! `multipart/form-data` to `/api/with-files/{fn}` with its chosen files. Once hydrated
//! each file is sent the moment it is chosen, dropped onto the form or pasted into it (a
//! screenshot from the clipboard), with a progress bar and a button to cancel it; the
//! form then carries only the tokens the server gave back, as `attachment[]`, and waits
//! for every upload to end before it can be sent.

use super::model::{Limits, Uploaded};
use crate::components::action_error;
use crate::error::AppError;
use crate::text::bytes;
use leptos::{
    html,
    prelude::*,
    server::ServerAction,
    server_fn::{ServerFn, codec::PostUrl, error::FromServerFnError},
};

/// Where an upload stands (the server renders none: only the browser sends files).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Stage {
    Sending,
    Done(Uploaded),
    Failed(String),
}

/// One file chosen for the form.
#[derive(Debug, Clone, Copy)]
struct Item {
    key: u64,
    name: StoredValue<String>,
    size: u64,
    sent: RwSignal<u64>,
    stage: RwSignal<Stage>,
}

/// The files of one form: made by the page, handed to its `FilesForm` (which hears drops
/// and pastes anywhere in the form) and to its `Attach` (the picker and the list).
#[derive(Clone, Copy)]
pub struct Attachments {
    items: RwSignal<Vec<Item>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    next: StoredValue<u64>,
    limits: Signal<Option<Limits>>,
    #[cfg(feature = "hydrate")]
    requests: StoredValue<std::collections::HashMap<u64, web_sys::XmlHttpRequest>, LocalStorage>,
}

impl Attachments {
    pub fn new(limits: Signal<Option<Limits>>) -> Attachments {
        Attachments {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            limits,
            #[cfg(feature = "hydrate")]
            requests: StoredValue::new_local(Default::default()),
        }
    }

    /// A file is still on its way: the form waits for it.
    pub fn sending(&self) -> bool {
        self.items
            .read()
            .iter()
            .any(|i| i.stage.with(|s| *s == Stage::Sending))
    }

    /// Empties the list (the form was sent).
    pub fn clear(&self) {
        self.items.set(Vec::new());
    }

    fn remove(&self, key: u64) {
        #[cfg(feature = "hydrate")]
        if let Some(request) = self.requests.try_update_value(|r| r.remove(&key)).flatten() {
            let _ = request.abort();
        }
        self.items.update(|items| items.retain(|i| i.key != key));
    }
}

#[cfg(feature = "hydrate")]
impl Attachments {
    /// Sends each file of `files`, refusing at once what the limits refuse anyway.
    fn add(&self, files: web_sys::FileList) {
        for i in 0..files.length() {
            if let Some(file) = files.get(i) {
                self.send(file);
            }
        }
    }

    fn send(&self, file: web_sys::File) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        // A pasted screenshot is called "image.png" by every browser.
        let name = match file.name().as_str() {
            "" | "image.png" => format!("Screenshot {}.png", screenshot_time()),
            name => name.to_string(),
        };
        let size = file.size() as u64;
        let item = Item {
            key,
            name: StoredValue::new(name.clone()),
            size,
            sent: RwSignal::new(0),
            stage: RwSignal::new(Stage::Sending),
        };
        let count = self.items.with_untracked(Vec::len) as u64;
        self.items.update(|items| items.push(item));
        if let Some(limits) = self.limits.get_untracked() {
            let refusal = if size > limits.file {
                Some(format!(
                    "{name} is larger than {}, the largest file allowed.",
                    bytes(limits.file)
                ))
            } else if count >= limits.per_comment {
                Some(format!(
                    "{name}: at most {} files go on one comment.",
                    limits.per_comment
                ))
            } else {
                None
            };
            if let Some(refusal) = refusal {
                item.stage.set(Stage::Failed(refusal));
                return;
            }
        }
        match self.request(item, &file, &name) {
            Ok(request) => self.requests.update_value(|r| {
                r.insert(key, request);
            }),
            Err(_) => item
                .stage
                .set(Stage::Failed(format!("{name} could not be sent."))),
        }
    }

    fn request(
        &self,
        item: Item,
        file: &web_sys::File,
        name: &str,
    ) -> Result<web_sys::XmlHttpRequest, wasm_bindgen::JsValue> {
        use wasm_bindgen::{JsCast, closure::Closure};
        let data = web_sys::FormData::new()?;
        data.append_with_blob_and_filename("file", file, name)?;
        let request = web_sys::XmlHttpRequest::new()?;
        request.open("POST", "/api/files")?;
        let progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                item.sent.set(ev.loaded() as u64);
            });
        request
            .upload()?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
        // Lives as long as the page: a few dozen bytes per upload.
        progress.forget();
        let requests = self.requests;
        let done = {
            let request = request.clone();
            let name = name.to_string();
            Closure::once_into_js(move || {
                // Cancelled: already gone from the list.
                if requests
                    .try_update_value(|r| r.remove(&item.key))
                    .flatten()
                    .is_none()
                {
                    return;
                }
                let status = request.status().unwrap_or(0);
                let text = request.response_text().ok().flatten().unwrap_or_default();
                let stage = match status {
                    200 => serde_json::from_str::<Vec<Uploaded>>(&text)
                        .ok()
                        .and_then(|mut list| list.pop())
                        .map_or_else(
                            || Stage::Failed(format!("{name} could not be sent.")),
                            Stage::Done,
                        ),
                    0 => Stage::Failed(format!(
                        "The upload of {name} broke off: check the connection and attach it again."
                    )),
                    _ if text.is_empty() => Stage::Failed(format!("{name} could not be sent.")),
                    _ => Stage::Failed(text),
                };
                item.stage.try_set(stage);
            })
        };
        request.set_onloadend(Some(done.unchecked_ref()));
        request.send_with_opt_form_data(Some(&data))?;
        Ok(request)
    }

    fn dropped(&self, ev: &web_sys::DragEvent) {
        if let Some(files) = ev.data_transfer().and_then(|d| d.files())
            && files.length() > 0
        {
            ev.prevent_default();
            self.add(files);
        }
    }

    fn pasted(&self, ev: &web_sys::ClipboardEvent) {
        if let Some(files) = ev.clipboard_data().and_then(|d| d.files())
            && files.length() > 0
        {
            // The files, not their names as text.
            ev.prevent_default();
            self.add(files);
        }
    }
}

/// "2026-12-05 14.03.22", local time, for a pasted screenshot's name.
#[cfg(feature = "hydrate")]
fn screenshot_time() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02} {:02}.{:02}.{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date(),
        now.get_hours(),
        now.get_minutes(),
        now.get_seconds()
    )
}

/// `ActionForm` for a form that carries files: the same server action once hydrated (the
/// files already sent, their tokens in the form), and `multipart/form-data` to
/// `/api/with-files/{fn}` without JavaScript. Files dropped or pasted anywhere in it are
/// attached.
#[component]
pub fn FilesForm<S, O>(
    action: ServerAction<S>,
    attachments: Attachments,
    #[prop(optional)] node_ref: Option<NodeRef<html::Form>>,
    children: Children,
) -> impl IntoView
where
    S: ServerFn<Protocol = leptos::server_fn::Http<PostUrl, O>>
        + serde::de::DeserializeOwned
        + Clone
        + Send
        + Sync
        + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: FromServerFnError + Clone + Send + Sync + 'static,
    O: 'static,
{
    let to = format!(
        "/api/with-files/{}",
        S::url().rsplit('/').next().unwrap_or_default()
    );
    let node_ref = node_ref.unwrap_or_default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if attachments.sending() {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            use leptos::form::FromFormData;
            match S::from_event(&ev) {
                Ok(input) => {
                    action.dispatch(input);
                }
                Err(e) => leptos::logging::error!("the form's fields: {e:?}"),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = action;
    };
    // The form was sent: its files went with it.
    Effect::new(move || {
        if matches!(action.value().get(), Some(Ok(_))) {
            attachments.clear();
        }
    });
    let dragover = move |ev: leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        if ev
            .data_transfer()
            .is_some_and(|d| d.types().includes(&"Files".into(), 0))
        {
            ev.prevent_default();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let drop = move |ev: leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        attachments.dropped(&ev);
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let paste = move |ev: leptos::ev::ClipboardEvent| {
        #[cfg(feature = "hydrate")]
        attachments.pasted(&ev);
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <form action=to method="post" enctype="multipart/form-data" node_ref=node_ref
            on:submit=submit on:dragover=dragover on:drop=drop on:paste=paste>
            {children()}
        </form>
    }
}

/// The file picker and the files chosen, each with its progress and a button to cancel or
/// remove it. `id` names the picker (one per page).
#[component]
pub fn Attach<S>(
    id: &'static str,
    attachments: Attachments,
    /// The form's action, whose errors about its files are shown here.
    action: ServerAction<S>,
) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let error = action_error(action);
    let hint = move || {
        attachments.limits.get().map(|l| {
            format!(
                "Up to {} files of {} each. Drop files on the form or paste a screenshot.",
                l.per_comment,
                bytes(l.file)
            )
        })
    };
    let input = NodeRef::<html::Input>::new();
    // Sends what the picker holds; it is emptied (the form carries the tokens, not the
    // files again).
    let take = move || {
        #[cfg(feature = "hydrate")]
        if let Some(input) = input.get_untracked()
            && let Some(files) = input.files()
            && files.length() > 0
        {
            attachments.add(files);
            input.set_value("");
        }
    };
    // Files chosen before the page came to life are sent once it has.
    Effect::new(move || {
        if input.get().is_some() {
            take();
        }
    });
    let picked = move |_: leptos::ev::Event| take();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    view! {
        <div class="attach">
            <label for=id class="attach-label">"Attach files"</label>
            <input type="file" id=id name="file" multiple on:change=picked node_ref=input
                aria-describedby=format!("{hint_id} {error_id}")/>
            <p class="hint" id=hint_id>{hint}</p>
            <p class="field-error" id=error_id>
                {move || error.get().and_then(|e| e.for_field("attachment"))}
            </p>
            <ul class="uploads" aria-live="polite">
                <For each=move || attachments.items.get() key=|item| item.key
                    children=move |item| view! { <Upload item attachments/> }/>
            </ul>
        </div>
    }
}

#[component]
fn Upload(item: Item, attachments: Attachments) -> impl IntoView {
    let name = item.name.get_value();
    let label = name.clone();
    view! {
        <li class="upload">
            <span class="upload-name">{name}</span>
            <span class="muted">{bytes(item.size)}</span>
            {move || match item.stage.get() {
                Stage::Sending => view! {
                    <progress max=item.size.max(1) value=move || item.sent.get()
                        aria-label=format!("Sending {label}")></progress>
                    <button type="button" class="btn btn-quiet"
                        on:click=move |_| attachments.remove(item.key)>"Cancel"</button>
                }.into_any(),
                Stage::Done(uploaded) => view! {
                    <input type="hidden" name="attachment[]" value=uploaded.token/>
                    <span class="upload-done">"Attached"</span>
                    <button type="button" class="btn btn-quiet"
                        aria-label=format!("Remove {}", uploaded.name)
                        on:click=move |_| attachments.remove(item.key)>"Remove"</button>
                }.into_any(),
                Stage::Failed(message) => view! {
                    <span class="field-error" role="alert">{message}</span>
                    <button type="button" class="btn btn-quiet"
                        on:click=move |_| attachments.remove(item.key)>"Dismiss"</button>
                }.into_any(),
            }}
        </li>
    }
}
