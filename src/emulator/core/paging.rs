//! List helpers shared by every list handler: page number and size, sort order, and the
//! `{<Key>: [...], TotalCount: n}` answer.

use serde_json::{Map, Value, json};

use crate::emulator::core::wire::{ApiError, ApiRequest};

pub use crate::emulator::core::wire::Paging;

/// `Order=asc|desc` (case-insensitive; anything but `desc` is ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Oldest or smallest first (the default).
    #[default]
    Asc,
    /// Reversed.
    Desc,
}

impl Order {
    /// The `Order` query parameter.
    pub fn from_request(req: &ApiRequest) -> Self {
        if req
            .query_nonempty("Order")
            .is_some_and(|o| o.eq_ignore_ascii_case("desc"))
        {
            Self::Desc
        } else {
            Self::Asc
        }
    }

    /// Applies the order to items already sorted ascending.
    pub fn apply<T>(self, items: &mut [T]) {
        if self == Self::Desc {
            items.reverse();
        }
    }
}

/// The `SortBy` query parameter, lower-cased (`None` when absent: the default sort).
pub struct SortBy;

impl SortBy {
    /// `SortBy`, lower-cased.
    pub fn from_request(req: &ApiRequest) -> Option<String> {
        req.query_nonempty("SortBy").map(str::to_ascii_lowercase)
    }
}

/// `PageNumber` and `PageSize` (see [`ApiRequest::paging`]).
pub fn paging(req: &ApiRequest, default_size: u64) -> Result<Paging, ApiError> {
    req.paging(default_size)
}

/// `{key: [page of items], "TotalCount": all}`: the page of `items` rendered by `render`.
pub fn list_response<T>(
    key: &str,
    items: &[T],
    paging: Paging,
    render: impl Fn(&T) -> Value,
) -> Map<String, Value> {
    let start =
        usize::try_from((paging.number - 1).saturating_mul(paging.size)).unwrap_or(usize::MAX);
    let size = usize::try_from(paging.size).unwrap_or(usize::MAX);
    let page: Vec<Value> = items.iter().skip(start).take(size).map(render).collect();
    let mut out = Map::new();
    out.insert(key.to_owned(), Value::Array(page));
    out.insert("TotalCount".into(), json!(items.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_response_pages_and_counts_everything() {
        let items = [1, 2, 3, 4, 5];
        let out = list_response("Items", &items, Paging { number: 2, size: 2 }, |i| json!(i));
        assert_eq!(out["Items"], json!([3, 4]));
        assert_eq!(out["TotalCount"], json!(5));
        let mut sorted = vec![1, 2, 3];
        Order::Desc.apply(&mut sorted);
        assert_eq!(sorted, vec![3, 2, 1]);
    }
}
