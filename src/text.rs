//! Which characters typed text may hold. Refused everywhere: control characters (line
//! breaks and tabs only in text that has lines), the bidirectional overrides and isolates
//! (they make a name or a file extension read backwards: "invoice\u{202E}fdp.exe"), and the
//! private-use characters the search highlighter marks matches with (they would fake marks).

/// The first character `text` may not hold, if any.
pub fn refused_char(text: &str, multi_line: bool) -> Option<char> {
    text.chars().find(|&c| match c {
        '\n' | '\r' | '\t' => !multi_line,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        MARK_START | MARK_END => true,
        c => c.is_control(),
    })
}

/// `text` from outside (a mail) with what `refused_char` refuses left out: line breaks as
/// `\n` alone, the rest of the control characters, direction overrides and our marks gone.
pub fn cleaned(text: &str, multi_line: bool) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|c| refused_char(c.encode_utf8(&mut [0; 4]), multi_line).is_none())
        .collect()
}

/// `Ok` when `text` holds only characters a person may type; the message names the field
/// (`what`, as in "a comment") and the character.
pub fn check(text: &str, multi_line: bool, what: &str) -> Result<(), String> {
    match refused_char(text, multi_line) {
        None => Ok(()),
        Some(c) => {
            let kind = match c {
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => "a text-direction control",
                MARK_START | MARK_END => "a reserved character",
                '\n' | '\r' => "a line break",
                _ => "a control character",
            };
            Err(format!(
                "{} cannot contain {kind} (U+{:04X}).",
                capitalised(what),
                c as u32
            ))
        }
    }
}

/// An optional field: empty (once trimmed) is none; anything else must pass `parse`, which
/// gets it trimmed.
pub fn optional<T>(
    input: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match input.trim() {
        "" => Ok(None),
        text => parse(text).map(Some),
    }
}

/// `100000` -> `100,000`: counts for people.
/// Trimmed text with a length range in characters and only characters people type (`check`);
/// the message names the field as `what` ("a subject").
pub fn bounded(input: &str, what: &str, max: usize, multi_line: bool) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if text.chars().count() > max {
        return Err(format!(
            "{} has at most {max} characters.",
            capitalised(what)
        ));
    }
    check(text, multi_line, what)?;
    Ok(text.to_string())
}

pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size as people read it: "900 bytes", "12 KB", "25 MB", "1.5 GB" (powers of 1,024,
/// as file managers show them, whole units from ten up).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 10.0 || value.fract() == 0.0 {
        format!("{} {}", value.round() as u64, UNITS[unit])
    } else {
        format!("{:.1} {}", value, UNITS[unit])
    }
}

/// "a comment" -> "A comment".
pub fn capitalised(what: &str) -> String {
    let mut chars = what.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Where the search highlighter's marks start and end (private-use characters).
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(super::bytes(0), "0 bytes");
        assert_eq!(super::bytes(1023), "1023 bytes");
        assert_eq!(super::bytes(1024), "1 KB");
        assert_eq!(super::bytes(1536), "1.5 KB");
        assert_eq!(super::bytes(25 << 20), "25 MB");
        assert_eq!(super::bytes((25 << 20) + 1), "25 MB");
        assert_eq!(super::bytes(3 << 29), "1.5 GB");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(100_000), "100,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
        assert_eq!(super::thousands(-4200), "-4,200");
    }

    use super::*;

    #[test]
    fn controls_direction_overrides_and_marks_are_refused_with_a_reason() {
        for ok in [
            "Printer on floor 3",
            "Ça marche — 日本語 🎉",
            "Zeile\tmit Tab",
        ] {
            assert_eq!(refused_char(ok, true), None, "{ok}");
        }
        assert_eq!(refused_char("two\r\nlines\tand a tab", true), None);
        assert_eq!(refused_char("two\nlines", false), Some('\n'));
        assert_eq!(refused_char("tab\there", false), Some('\t'));
        for (bad, c) in [
            ("nul\0", '\0'),
            ("bell\u{7}", '\u{7}'),
            ("escape\u{1b}[31m", '\u{1b}'),
            ("c1\u{85}", '\u{85}'),
            ("invoice\u{202E}fdp.exe", '\u{202E}'),
            ("isolate\u{2066}x", '\u{2066}'),
            ("fake\u{E000}mark", '\u{E000}'),
        ] {
            assert_eq!(refused_char(bad, true), Some(c), "{bad:?}");
        }
        assert_eq!(
            check("invoice\u{202E}fdp.exe", false, "a subject"),
            Err("A subject cannot contain a text-direction control (U+202E).".into())
        );
        assert_eq!(
            check("a\0b", true, "a comment"),
            Err("A comment cannot contain a control character (U+0000).".into())
        );
    }
}
