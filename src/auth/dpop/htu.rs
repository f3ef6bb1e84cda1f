//! The URL a proof is for (`htu`), compared after RFC 3986 §6 normalisation: scheme and host in
//! lower case, the default port dropped, dot segments removed, an empty path as `/`, and
//! percent-encoding in one form (unreserved characters decoded, other escapes in upper-case hex).
//! Query and fragment are ignored (RFC 9449 §4.3, check 9).

use url::Url;

/// `url` in normal form without query and fragment, or `None` when it is no absolute http(s) URL.
pub(crate) fn normalise(url: &str) -> Option<String> {
    let mut url = Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() || url.host().is_none() {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = percent_normal_form(url.path());
    url.set_path(&path);
    Some(url.into())
}

/// Decodes escapes of unreserved characters (`%7E` → `~`) and upper-cases the hex of the others.
/// The path of a parsed `Url` is ASCII, so bytes are characters here.
fn percent_normal_form(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok()))
            .flatten();
        match escape {
            Some(byte) if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') => {
                out.push(byte as char);
                i += 3;
            }
            Some(byte) => {
                out.push_str(&format!("%{byte:02X}"));
                i += 3;
            }
            None => {
                out.push(bytes[i] as char);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_urls_have_one_normal_form() {
        let same = [
            "http://api.example.com/api/messages/protected",
            "HTTP://API.Example.COM:80/api/messages/protected",
            "http://api.example.com/api/./messages/x/../protected",
            "http://api.example.com/api/messages/prot%65cted",
            "http://api.example.com/api/messages/protected?x=1#f",
        ];
        for url in same {
            assert_eq!(normalise(url).as_deref(), Some("http://api.example.com/api/messages/protected"), "{url}");
        }
        assert_eq!(normalise("https://a.example/%7e%2f").as_deref(), Some("https://a.example/~%2F"));
        assert_eq!(normalise("https://a.example").as_deref(), Some("https://a.example/"));
    }

    #[test]
    fn other_schemes_and_relative_references_have_none() {
        for url in ["/api/messages", "mailto:a@example.com", "ftp://a.example/x", "", "http://"] {
            assert_eq!(normalise(url), None, "{url}");
        }
    }
}
