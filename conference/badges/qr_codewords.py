"""The codewords of a QR symbol (data and Reed-Solomon error correction), computed with
log/antilog tables instead of the ``qrcode`` library's polynomial objects.

``qrcode`` computes the error correction of every block by dividing ``Polynomial`` objects in
pure Python, which was the largest single cost of a bulk badge print (2,000 symbols). The
division here is the same arithmetic (GF(256), modulus 0x11D, the same generator polynomials)
done in place; the result is the exact list ``qrcode.util.create_data`` returns, which
``QRCode.make`` takes as ``data_cache`` (tests compare the two).
"""

from __future__ import annotations

from qrcode import base, exceptions
from qrcode.util import PAD0, PAD1, length_in_bits

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]

_generators: dict[int, list[int]] = {}  # error codewords -> log of the generator's terms


def _generator_logs(count: int) -> list[int]:
    """Logs of the generator polynomial's coefficients after the leading 1, for ``count``
    error correction codewords: prod(x - a^i) for i < count."""
    logs = _generators.get(count)
    if logs is None:
        poly = [1]
        for i in range(count):
            factor = _EXP[i]
            poly = [
                (poly[j] if j < len(poly) else 0)
                ^ (_EXP[_LOG[poly[j - 1]] + _LOG[factor]] if j and poly[j - 1] else 0)
                for j in range(len(poly) + 1)
            ]
        logs = _generators[count] = [_LOG[c] for c in poly[1:]]
    return logs


def _error_codewords(data: list[int], count: int) -> list[int]:
    """The remainder of data(x) * x^count divided by the generator polynomial."""
    logs = _generator_logs(count)
    remainder = [0] * count
    for byte in data:
        factor = byte ^ remainder[0]
        del remainder[0]
        remainder.append(0)
        if factor:
            shift = _LOG[factor]
            for i, log in enumerate(logs):
                remainder[i] ^= _EXP[shift + log]
    return remainder


class _Bits:
    """The bit buffer ``QRData.write`` writes into, as one integer (``qrcode``'s ``BitBuffer``
    appends bit by bit)."""

    __slots__ = ("length", "value")

    def __init__(self):
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def put_bit(self, bit: bool) -> None:
        self.put(1 if bit else 0, 1)

    def __len__(self) -> int:
        return self.length


def create_data(version: int, error_correction: int, data_list) -> list[int]:
    """What ``qrcode.util.create_data`` returns for the same arguments."""
    buffer = _Bits()
    for data in data_list:
        buffer.put(data.mode, 4)
        buffer.put(len(data), length_in_bits(data.mode, version))
        data.write(buffer)
    rs_blocks = base.rs_blocks(version, error_correction)
    bit_limit = sum(block.data_count * 8 for block in rs_blocks)
    if len(buffer) > bit_limit:
        raise exceptions.DataOverflowError(
            f"Code length overflow. Data size ({len(buffer)}) > size available ({bit_limit})"
        )
    buffer.put(0, min(bit_limit - len(buffer), 4))  # terminator
    if len(buffer) % 8:
        buffer.put(0, 8 - len(buffer) % 8)
    for i in range((bit_limit - len(buffer)) // 8):
        buffer.put(PAD1 if i % 2 else PAD0, 8)
    codeword_bytes = buffer.value.to_bytes(len(buffer) // 8, "big")

    blocks_data, blocks_error = [], []
    offset = 0
    for block in rs_blocks:
        data = list(codeword_bytes[offset : offset + block.data_count])
        offset += block.data_count
        blocks_data.append(data)
        blocks_error.append(_error_codewords(data, block.total_count - block.data_count))
    codewords = []
    for blocks in (blocks_data, blocks_error):
        for i in range(max(len(b) for b in blocks)):
            codewords.extend(b[i] for b in blocks if i < len(b))
    return codewords
