"""Money is integer minor units plus a currency. Decimal only at the edges, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from portal_kit.errors import InvalidArgument

_ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "isk",
    "jpy",
    "kmf",
    "krw",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}
_THREE_DECIMAL = {"bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"}
_TWO_DECIMAL = {
    "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn", "bmd", "bnd",
    "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf", "chf", "cny", "cop", "crc", "cve", "czk", "dkk", "dop",
    "dzd", "egp", "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gtq", "gyd", "hkd", "hnl", "htg", "huf",
    "idr", "ils", "inr", "jmd", "kes", "kgs", "khr", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl",
    "mga", "mkd", "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr",
    "nzd", "pab", "pen", "pgk", "php", "pkr", "pln", "qar", "ron", "rsd", "rub", "sar", "sbd", "scr", "sek", "sgd",
    "shp", "sle", "sos", "srd", "std", "szl", "thb", "tjs", "top", "try", "ttd", "twd", "tzs", "uah", "usd", "uyu",
    "uzs", "wst", "xcd", "yer", "zar", "zmw",
}  # fmt: skip
_SYMBOLS = {
    "usd": "$",
    "eur": "€",
    "gbp": "£",
    "jpy": "¥",
    "cad": "CA$",
    "aud": "A$",
    "inr": "₹",
    "chf": "CHF ",
}


MAX_MINOR = 2**63 - 1  # amounts are stored as signed 64-bit minor units


def normalize_currency(currency: str, param: str = "currency") -> str:
    code = (currency or "").strip().lower()
    if code not in _TWO_DECIMAL and code not in _ZERO_DECIMAL and code not in _THREE_DECIMAL:
        raise InvalidArgument(f"'{currency}' is not a currency we know (use an ISO 4217 code such as usd).", param)
    return code


def exponent(currency: str) -> int:
    code = normalize_currency(currency)
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount: Decimal | int | str, currency: str, param: str = "amount") -> int:
    """Major-unit decimal (12.34) to exact minor units (1234); finer than the currency allows is an error."""
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError):
        raise InvalidArgument(f"{param} must be a number.", param) from None
    if not value.is_finite():
        raise InvalidArgument(f"{param} must be a finite number.", param)
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        places = exponent(currency)
        raise InvalidArgument(f"{param} has more decimal places than {currency.upper()} allows ({places}).", param)
    if abs(scaled) > MAX_MINOR:
        raise InvalidArgument(f"{param} is too large.", param)
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def multiply(quantity: Decimal, unit_minor: int) -> int:
    """quantity × unit price, rounded half-up to a whole minor unit."""
    return int((quantity * unit_minor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(minor: int, currency: str) -> str:
    """Human display, e.g. $1,234.50 or 1.234 KWD. Integer arithmetic only: pages show dozens of amounts."""
    places = exponent(currency)
    whole, fraction = divmod(abs(minor), 10**places)
    number = f"{whole:,}.{fraction:0{places}d}" if places else f"{whole:,}"
    sign = "-" if minor < 0 else ""
    symbol = _SYMBOLS.get(currency.lower())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"
