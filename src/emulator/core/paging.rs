//! List helpers shared by every list handler: page number and size, sort order, the
//! `{<Key>: [...], TotalCount: n}` answer, and `MaxResults` + `NextToken` paging (OOS,
//! newer ECS calls), whose token is opaque to the client and says where the next page starts.

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

/// One page of a `MaxResults` + `NextToken` list: where it starts and how many items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPage {
    /// Index of the first item.
    pub offset: usize,
    /// Items per page.
    pub size: usize,
}

/// The token prefix, so a token from another list or a made-up value is recognised.
const TOKEN_PREFIX: &str = "page:";

/// The opaque `NextToken` for a page starting at `offset` (hex, like the clouds' tokens).
pub fn next_token(offset: usize) -> String {
    hex::encode(format!("{TOKEN_PREFIX}{offset}"))
}

fn token_offset(token: &str) -> Option<usize> {
    let bytes = hex::decode(token.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(TOKEN_PREFIX)?.parse().ok()
}

impl TokenPage {
    /// `MaxResults` (within `min..=max`, `default` when absent) and `NextToken` (absent or
    /// empty: the first page).
    pub fn from_request(
        req: &ApiRequest,
        min: u64,
        max: u64,
        default: u64,
    ) -> Result<Self, ApiError> {
        let size = req.int_in_range("MaxResults", min, max, default)?;
        let offset = match req.query_nonempty("NextToken") {
            None => 0,
            Some(token) => token_offset(token).ok_or_else(|| {
                ApiError::invalid(
                    "InvalidParameter.NextToken",
                    format!(
                        "The NextToken \"{token}\" is not valid; pass the NextToken of the previous answer unchanged."
                    ),
                )
            })?,
        };
        Ok(Self {
            offset,
            size: usize::try_from(size).unwrap_or(usize::MAX),
        })
    }

    /// The items of this page and the token of the next one (`None` on the last page).
    pub fn slice<'a, T>(&self, items: &'a [T]) -> (&'a [T], Option<String>) {
        let start = self.offset.min(items.len());
        let end = start.saturating_add(self.size).min(items.len());
        let next = (end < items.len()).then(|| next_token(end));
        (&items[start..end], next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_pages_walk_the_whole_list_once() {
        let items: Vec<u32> = (1..=7).collect();
        let mut page = TokenPage { offset: 0, size: 3 };
        let mut seen = Vec::new();
        loop {
            let (chunk, next) = page.slice(&items);
            seen.extend_from_slice(chunk);
            match next {
                Some(token) => {
                    page = TokenPage {
                        offset: token_offset(&token).unwrap_or(usize::MAX),
                        size: 3,
                    }
                }
                None => break,
            }
        }
        assert_eq!(seen, items);
        assert_eq!(token_offset("not-hex"), None);
        assert_eq!(token_offset(&hex::encode("other:3")), None);
    }

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
