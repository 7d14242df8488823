//! Markup written as text, for the big read-only regions (the ticket list's rows, the
//! thread): with erased views every element, child and attribute is a boxed value built,
//! escaped and written on its own (~63,000 instructions per list row, callgrind), where a
//! string is one buffer. The same string is set as the region's `inner_html` in the server
//! and in the browser, and hydration leaves it as it is. Every text from the data goes
//! through `text` or `attr`.

pub fn text(out: &mut String, s: &str) {
    html_escape::encode_text_to_string(s, out);
}

pub fn attr(out: &mut String, s: &str) {
    html_escape::encode_double_quoted_attribute_to_string(s, out);
}

/// The elements under `root` that `selector` matches.
#[cfg(feature = "hydrate")]
pub fn elements(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    use wasm_bindgen::JsCast;
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok())
        .collect()
}
