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
