//! Markup written as text, for the big read-only regions (the ticket list's rows, the
//! thread) and a select's options: with erased views every element, child and attribute
//! is a boxed value built, escaped and written on its own (~63,000 instructions per list
//! row, callgrind), where a string is one buffer. The same string is set as the region's
//! `inner_html` in the server and in the browser, and hydration leaves it as it is. Every
//! text from the data goes through `text` or `attr`.

pub fn text(out: &mut String, s: &str) {
    html_escape::encode_text_to_string(s, out);
}

pub fn attr(out: &mut String, s: &str) {
    html_escape::encode_double_quoted_attribute_to_string(s, out);
}

/// A select's `<option>`s for its `inner_html`: the (value, label) pairs in order, the one
/// whose value is `chosen` selected (the page's state without JavaScript; with it, the
/// select's `prop:value` follows the state from then on). Options are most of a filter
/// bar's elements: 84 on staff's list page.
pub fn options<V: AsRef<str>, L: AsRef<str>>(
    list: impl IntoIterator<Item = (V, L)>,
    chosen: &str,
) -> String {
    let mut out = String::new();
    for (value, label) in list {
        option(&mut out, value.as_ref(), label.as_ref(), chosen);
    }
    out
}

fn option(out: &mut String, value: &str, label: &str, chosen: &str) {
    out.push_str(r#"<option value=""#);
    attr(out, value);
    out.push_str(if value == chosen {
        r#"" selected>"#
    } else {
        r#"">"#
    });
    text(out, label);
    out.push_str("</option>");
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

#[cfg(test)]
mod tests {
    use super::options;

    #[test]
    fn options_are_escaped_and_the_chosen_one_selected() {
        let html = options([("", "Any"), ("r&d", "R&D <lab>")], "r&d");
        assert_eq!(
            html,
            r#"<option value="">Any</option><option value="r&amp;d" selected>R&amp;D &lt;lab&gt;</option>"#
        );
        assert!(!options([("a", "A")], "").contains("selected"));
    }
}
