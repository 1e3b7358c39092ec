//! Dates as day counts since 1970-01-01, the form the IR and bound requests hold them in.

/// Days since 1970-01-01 for a civil date.
pub fn days_since_epoch(d: jiff::civil::Date) -> i32 {
    let epoch = jiff::civil::date(1970, 1, 1);
    epoch
        .until((jiff::Unit::Day, d))
        .map(|s| s.get_days())
        .unwrap_or(0)
}

/// The civil date for a day count since 1970-01-01.
pub fn date_from_days(days: i32) -> Option<jiff::civil::Date> {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().try_days(days).ok()?)
        .ok()
}

/// A date written exactly as `YYYY-MM-DD` (a real calendar date), as a day count since 1970-01-01.
/// Anything else (`2026-1-5`, `01/15/2026`, `2026-02-30`) is `None`.
pub fn parse_date(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    text.parse::<jiff::civil::Date>().ok().map(days_since_epoch)
}
