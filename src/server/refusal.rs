//! hyper's own refusals, said in a line: a request head hyper cannot parse gets a `400`, `414` or
//! `431` written by hyper itself with an empty body, which tells a learner with curl nothing.
//!
//! hyper has no hook for these answers, so [`super::connection`] watches for them on the way out
//! (a head of one of those statuses with no `content-type`, which every answer of the app carries)
//! and sends ours instead: the same status, and a line saying what was wrong and what is accepted.
//! What was wrong comes from [`HeadScan`], which reads the head's bytes as they arrive, keeping a
//! few flags rather than a copy of the head.

/// What a request head showed so far that hyper refuses; fed the bytes read while no request is
/// in flight, and started afresh with each request.
#[derive(Debug, Default)]
pub(super) struct HeadScan {
    scanned: usize,
    /// Line feeds seen: the request line ends at the first.
    lines: usize,
    previous: u8,
    /// How far the request line matched ` HTTP/`, and whether it did.
    version_matched: usize,
    has_version: bool,
    /// How far the current line matched `content-length:`, `None` once it cannot.
    length_matched: Option<usize>,
    content_lengths: usize,
    bare_cr: bool,
    folded: bool,
}

/// The most bytes of a head scanned; hyper refuses a longer one anyway (`--max-header-bytes`).
const SCANNED: usize = 1 << 20;

impl HeadScan {
    /// Reads `bytes`, the next of the head.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        const VERSION: &[u8] = b" HTTP/";
        const LENGTH: &[u8] = b"content-length:";
        for &byte in bytes.iter().take(SCANNED.saturating_sub(self.scanned)) {
            let line_start = self.scanned == 0 || self.previous == b'\n';
            if self.previous == b'\r' && byte != b'\n' {
                self.bare_cr = true;
            }
            if line_start {
                self.length_matched = Some(0);
                if self.lines > 0 && (byte == b' ' || byte == b'\t') {
                    self.folded = true;
                }
            }
            if self.lines == 0 && !self.has_version {
                self.version_matched = match byte {
                    _ if byte == VERSION[self.version_matched] => self.version_matched + 1,
                    b' ' => 1,
                    _ => 0,
                };
                self.has_version = self.version_matched == VERSION.len();
            }
            if let Some(at) = self.length_matched {
                self.length_matched = (byte.to_ascii_lowercase() == LENGTH[at]).then_some(at + 1);
                if self.length_matched == Some(LENGTH.len()) {
                    self.content_lengths += 1;
                    self.length_matched = None;
                }
            }
            if byte == b'\n' {
                self.lines += 1;
            }
            self.previous = byte;
            self.scanned += 1;
        }
    }

    /// The sentence for hyper's `status`: what was wrong, and what is accepted.
    fn why(&self, status: u16, max_header_bytes: usize) -> String {
        match status {
            431 => format!(
                "the request's head (request line and headers) is over {max_header_bytes} bytes \
                 (--max-header-bytes) or over 100 header lines; send a shorter head, with fewer \
                 or smaller cookies"
            ),
            414 => "the request's URL is over 65534 bytes; send a shorter one".to_owned(),
            _ if self.lines > 0 && !self.has_version => "the request line has no HTTP version \
                 (HTTP/0.9 is not served); send a request line like GET / HTTP/1.1"
                .to_owned(),
            _ if self.bare_cr => "the head has a carriage return (CR) not followed by a line \
                 feed; end every line of the head with CRLF"
                .to_owned(),
            _ if self.folded => "a header line starts with a space or a tab (a folded header, \
                 obs-fold); write each header on one line"
                .to_owned(),
            _ if self.content_lengths > 0 => "Content-Length is given twice with different \
                 values, or is not a plain number of bytes; send one Content-Length of digits \
                 only, or Transfer-Encoding: chunked"
                .to_owned(),
            _ => "the request's head is not HTTP/1.1 as RFC 9112 writes it; send a request line \
                 like GET / HTTP/1.1, then one Name: value header a line, each line ending in CRLF"
                .to_owned(),
        }
    }
}

/// The status of `written` when it is hyper's own refusal of a head: `HTTP/1.1 400`, `414` or
/// `431` with no `content-type`.
pub(super) fn hypers_refusal(written: &[u8]) -> Option<u16> {
    let status = written.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    let status = match status {
        b"400" => 400,
        b"414" => 414,
        b"431" => 431,
        _ => return None,
    };
    let head_end = written
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or(written.len());
    let head = written[..head_end].to_ascii_lowercase();
    let typed = head.windows(13).any(|window| window == b"content-type:");
    (!typed).then_some(status)
}

/// Our answer in place of hyper's refusal with `status`: the same status, one line saying why, and
/// the connection closed, as hyper closes it.
pub(super) fn answer(status: u16, scan: &HeadScan, max_header_bytes: usize) -> Vec<u8> {
    let reason = match status {
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        _ => "Bad Request",
    };
    let line = format!("{}\n", scan.why(status, max_header_bytes));
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{line}",
        line.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(head: &[u8]) -> HeadScan {
        let mut scan = HeadScan::default();
        for byte in head {
            scan.feed(std::slice::from_ref(byte));
        }
        scan
    }

    #[test]
    fn each_fault_of_a_head_is_named() {
        let why = |head: &[u8]| scanned(head).why(400, 16384);
        assert!(why(b"GET /\r\n\r\n").contains("no HTTP version"));
        assert!(why(b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n").contains("carriage return"));
        assert!(why(b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n").contains("folded"));
        assert!(
            why(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nCONTENT-LENGTH: 2\r\n\r\n")
                .contains("Content-Length is given twice")
        );
        assert!(why(b"GET / HTTP/1.1\r\nA\r\n\r\n").contains("RFC 9112"));
    }

    #[test]
    fn only_hypers_bodiless_refusal_is_recognised() {
        let hyper =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(hypers_refusal(hyper), Some(431));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\nno\n";
        assert_eq!(hypers_refusal(ours), None);
        assert_eq!(hypers_refusal(b"HTTP/1.1 200 OK\r\n\r\n"), None);
    }
}
