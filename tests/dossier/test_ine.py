"""Tests for ``ecandidat.dossier.ine`` (pure Python: no Django, no database)."""

import pytest

from ecandidat.dossier import ine as ine_module

IneFormat = ine_module.IneFormat
bea_key = ine_module.bea_key
detect_ine_format = ine_module.detect_ine_format
is_valid_ine = ine_module.is_valid_ine
normalize_ine = ine_module.normalize_ine
rnie_key = ine_module.rnie_key

# Written out by hand (A-Z without I, O, Q), independently of the module.
LETTERS_WITHOUT_IOQ = ["A", "B", "C", "D", "E", "F", "G", "H"]
LETTERS_WITHOUT_IOQ += ["J", "K", "L", "M", "N", "P", "R", "S", "T"]
LETTERS_WITHOUT_IOQ += ["U", "V", "W", "X", "Y", "Z"]


def independent_bea_key(digits: str) -> str:
    """Schoolbook long division by 23, digit by digit (no big int conversion)."""
    remainder = 0
    for digit in digits:
        remainder = (remainder * 10 + "0123456789".index(digit)) % 23
    return LETTERS_WITHOUT_IOQ[remainder]


def independent_rnie_key(body: str) -> str:
    """Table lookup instead of int(c, 36); weights listed one by one."""
    values = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    weights = [6, 6, 6, 6, 6, 6, 6, 6, 6, 1]
    total = sum(w * values[c] for w, c in zip(weights, body, strict=True))
    return str(total)[-1]


# --- Public examples ---------------------------------------------------------

# BEA numbers found in public repositories; none of them was produced with this
# module, and each key agrees with the algorithm (1 chance in 23 by accident).
PUBLIC_BEA_EXAMPLES = [
    # etalab/siade_staging_data (API Particulier staging data), file
    # payloads/api_particulier_v2_mesri_student_status/ine_0100007108D.yaml
    "0100007108D",
    # same repository, payloads/api_particulier_v2_mesri_student_status/ine_0100008010J.yaml
    "0100008010J",
    # aitkarrafarid/esup-transferts, esup-transferts-web-jsf-servlet/.../
    # web/controllers/UserController.java, test value left in a comment
    "0904009615X",
]

# 9 digits + 2 letters found in public sources; format-only, no key is checked.
PUBLIC_INES_EXAMPLES = [
    # EsupPortail/esup-ecandidat, views/windows/AdminInesWindow.java (test value)
    "223456789HE",
    # etalab/siade_staging_data, payloads/api_particulier_v2_mesri_student_status/
    "655888578AE",
    "660309901AG",
    "675773666AD",
]


@pytest.mark.parametrize("value", PUBLIC_BEA_EXAMPLES)
def test_public_bea_examples_are_valid(value: str) -> None:
    assert detect_ine_format(value) is IneFormat.BEA
    assert is_valid_ine(value)
    assert bea_key(value[:10]) == value[10]
    assert independent_bea_key(value[:10]) == value[10]


@pytest.mark.parametrize("value", PUBLIC_INES_EXAMPLES)
def test_public_ines_examples_pass_the_format_check(value: str) -> None:
    assert detect_ine_format(value) is IneFormat.INES
    assert is_valid_ine(value)


# --- Hand computations -------------------------------------------------------


def test_bea_key_hand_computation_1234567890() -> None:
    # 1234567890 = 23 * 53676864 + 18, and the 19th letter of
    # ABCDEFGH JKLMN P RSTUV... (0-based index 18) is V.
    assert 23 * 53_676_864 + 18 == 1_234_567_890
    assert LETTERS_WITHOUT_IOQ[18] == "V"
    assert bea_key("1234567890") == "V"
    assert detect_ine_format("1234567890V") is IneFormat.BEA


def test_bea_key_hand_computation_0100008010() -> None:
    # 100008010 = 23 * 4348174 + 8, index 8 is J (H is 7, I is skipped).
    assert 23 * 4_348_174 + 8 == 100_008_010
    assert bea_key("0100008010") == "J"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("0000000001", "B"),  # remainder 1
        ("0000000013", "P"),  # remainder 13: P follows N, O is skipped
        ("0000000014", "R"),  # remainder 14: R follows P, Q is skipped
        ("0000000022", "Z"),  # remainder 22: last letter
        ("0000000023", "A"),  # 23 wraps around to index 0
        ("9999999998", "R"),  # remainder 14, see the next test
    ],
)
def test_bea_key_remainder_to_letter_mapping(body: str, key: str) -> None:
    assert bea_key(body) == key
    assert independent_bea_key(body) == key
    assert is_valid_ine(body + key)


def test_bea_key_hand_computation_large_number() -> None:
    # The whole 10-digit number is used, not a truncated int32.
    assert 23 * 434_782_608 + 14 == 9_999_999_998
    assert LETTERS_WITHOUT_IOQ[14] == "R"
    assert bea_key("9999999998") == "R"


def test_rnie_key_hand_computation_digits_only() -> None:
    # 6 * (1+2+3+4+5+6+7+8+9) + 0 = 6 * 45 + 0 = 270, last digit 0.
    assert 6 * 45 + 0 == 270
    assert rnie_key("1234567890") == "0"
    assert detect_ine_format("12345678900") is IneFormat.RNIE


def test_rnie_key_hand_computation_with_letters() -> None:
    # A1B2C3D4E5: A=10, 1, B=11, 2, C=12, 3, D=13, 4, E=14 (first nine) and 5.
    # 6 * (10+1+11+2+12+3+13+4+14) + 5 = 6 * 70 + 5 = 425, last digit 5.
    assert 10 + 1 + 11 + 2 + 12 + 3 + 13 + 4 + 14 == 70
    assert rnie_key("A1B2C3D4E5") == "5"
    assert detect_ine_format("A1B2C3D4E55") is IneFormat.RNIE


def test_rnie_key_hand_computation_tenth_char_is_a_letter() -> None:
    # 123456789Z: 6 * 45 + Z(35) = 305, last digit 5: the tenth value is
    # added with weight 1.
    assert rnie_key("123456789Z") == "5"
    assert is_valid_ine("123456789Z5")


def test_rnie_key_hand_computation_z() -> None:
    # ZZZZZZZZZ1: 6 * (9 * 35) + 1 = 1891, last digit 1.
    assert rnie_key("ZZZZZZZZZ1") == "1"
    assert is_valid_ine("ZZZZZZZZZ11")


@pytest.mark.parametrize(
    "body",
    [
        "0000000001",
        "1234567890",
        "A1B2C3D4E5",
        "0K2Z9Y8X7W",
        "ZZZZZZZZZ1",
        "98765DCBA0",
    ],
)
def test_rnie_key_matches_independent_implementation(body: str) -> None:
    key = rnie_key(body)
    assert key == independent_rnie_key(body)
    assert detect_ine_format(body + key) is IneFormat.RNIE


@pytest.mark.parametrize(
    "number",
    [0, 1, 22, 23, 46, 100_007_108, 1_000_000_000, 9_999_999_999],
)
def test_bea_key_matches_independent_implementation(number: int) -> None:
    body = f"{number:010d}"
    assert bea_key(body) == independent_bea_key(body)


def test_bea_key_never_returns_i_o_or_q() -> None:
    keys = {bea_key(f"{n:010d}") for n in range(23)}
    assert keys == set(LETTERS_WITHOUT_IOQ)
    assert keys.isdisjoint({"I", "O", "Q"})


# --- Invalid numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0100007108E",  # BEA, right number, wrong key (D expected)
        "1234567890A",  # BEA, V expected (format-only validators accept this)
        "0904009615W",  # BEA, X expected
        "12345678901",  # base 36, 0 expected
        "A1B2C3D4E50",  # base 36, 5 expected
        "123456789Z4",  # base 36, 5 expected
    ],
)
def test_wrong_key_is_rejected(value: str) -> None:
    assert detect_ine_format(value) is None
    assert not is_valid_ine(value)


@pytest.mark.parametrize("key", ["I", "O", "Q"])
@pytest.mark.parametrize("body", ["0100007108", "1234567890", "0000000008"])
def test_i_o_q_keys_are_rejected(body: str, key: str) -> None:
    assert not is_valid_ine(body + key)


@pytest.mark.parametrize("digit", "0123456789")
def test_ten_identical_digits_are_rejected_even_with_the_right_key(digit: str) -> None:
    body = digit * 10
    # The key functions still compute a key, which is then refused.
    assert not is_valid_ine(body + bea_key(body))
    assert not is_valid_ine(body + rnie_key(body))
    assert detect_ine_format(body + bea_key(body)) is None


@pytest.mark.parametrize("body", ["ABCDEFGHJK", "ZZZZZZZZZZ", "AAAAAAAAAA"])
def test_base36_body_of_ten_letters_is_rejected(body: str) -> None:
    # eCandidat refuses [A-Z]{10} bodies even when the key is right.
    assert not is_valid_ine(body + rnie_key(body))


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "0100007108",  # key missing
        "010000710D",  # 9 digits + key
        "0100007108DD",  # 12 characters
        "00100007108D",  # 12 characters, leading zero added
        "223456789H",  # INES with one letter only
        "223456789HEE",  # INES with three letters
        "12345678900" + "0",  # base 36 with a 2-digit key
    ],
)
def test_wrong_length_is_rejected(value: str) -> None:
    assert detect_ine_format(value) is None
    assert not is_valid_ine(value)


@pytest.mark.parametrize(
    "value",
    [
        "01000 07108D",
        "0100007108 D",
        "0100007108-D",
        "0100-007108D",
        "22345 6789HE",
        "223456789-HE",
        "0100\t007108D",
        "A1B2C-3D4E55",
        "0100007108\nD",
    ],
)
def test_internal_space_or_dash_is_rejected(value: str) -> None:
    assert detect_ine_format(value) is None
    assert not is_valid_ine(value)


@pytest.mark.parametrize(
    "value",
    [
        "0100007108.",  # punctuation key
        "010000710#D",
        # "0100007108D" typed with full-width characters (U+FF10...)
        "".join(chr(0xFF10 + int(d)) for d in "0100007108") + "\uff24",
        # the same digits in Arabic-Indic script (U+0660...), ASCII key
        "".join(chr(0x0660 + int(d)) for d in "0100007108") + "D",
        "123456789\ufb00",  # 10 chars; str.upper() would turn the ligature into "FF"
        "0100007108\u017f",  # long s, str.upper() would give "S"
        "0100007108É",
    ],
)
def test_non_ascii_or_symbols_are_rejected(value: str) -> None:
    assert detect_ine_format(value) is None
    assert not is_valid_ine(value)


@pytest.mark.parametrize("value", [None, 100007108, b"0100007108D"])
def test_non_string_values_are_rejected(value: object) -> None:
    assert detect_ine_format(value) is None  # type: ignore[arg-type]
    assert not is_valid_ine(value)  # type: ignore[arg-type]


# --- Normalization -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected_format"),
    [
        ("0100007108d", IneFormat.BEA),
        ("  0100007108D  ", IneFormat.BEA),
        ("\t0904009615x\n", IneFormat.BEA),
        ("a1b2c3d4e55", IneFormat.RNIE),
        (" A1b2C3d4E55", IneFormat.RNIE),
        ("223456789he", IneFormat.INES),
        ("223456789hE\r\n", IneFormat.INES),
    ],
)
def test_lower_case_and_outer_whitespace_are_accepted(
    value: str, expected_format: IneFormat
) -> None:
    assert detect_ine_format(value) is expected_format
    assert is_valid_ine(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  0100007108d\n", "0100007108D"),
        ("a1b2 c3-d4", "A1B2 C3-D4"),  # internal characters are kept
        ("", ""),
        ("\u017f", "\u017f"),  # non-ASCII letters are not upper-cased
    ],
)
def test_normalize_ine(value: str, expected: str) -> None:
    assert normalize_ine(value) == expected


# --- Key function arguments --------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["", "123456789", "12345678901", "123456789A", "12345 6789"],
)
def test_bea_key_rejects_bad_bodies(body: str) -> None:
    with pytest.raises(ValueError, match="10 digits"):
        bea_key(body)


@pytest.mark.parametrize(
    "body",
    ["", "123456789", "12345678901", "1234-56789", "ABCDEFGHJ\u00c9"],
)
def test_rnie_key_rejects_bad_bodies(body: str) -> None:
    with pytest.raises(ValueError, match="10 characters"):
        rnie_key(body)


def test_rnie_key_accepts_lower_case_body() -> None:
    assert rnie_key("a1b2c3d4e5") == rnie_key("A1B2C3D4E5") == "5"


@pytest.mark.parametrize("key_function", [bea_key, rnie_key])
def test_key_functions_reject_non_strings(key_function) -> None:
    with pytest.raises(TypeError):
        key_function(1_234_567_890)


# --- Formats never overlap ---------------------------------------------------


def test_enum_values_are_stable() -> None:
    assert [member.value for member in IneFormat] == ["bea", "rnie", "ines"]
    assert IneFormat.BEA == "bea"


@pytest.mark.parametrize("number", range(0, 10_000_000_000, 99_999_989))
def test_bea_and_base36_keys_give_distinct_formats(number: int) -> None:
    body = f"{number:010d}"
    if len(set(body)) == 1:
        return
    # The same digits can be a BEA number (letter key) or a base-36 number
    # (digit key), never both, so detection is unambiguous.
    assert detect_ine_format(body + bea_key(body)) is IneFormat.BEA
    assert detect_ine_format(body + rnie_key(body)) is IneFormat.RNIE
