#!/usr/bin/env python3
"""Statistics and quirks of a Pascal VOC folder (Annotations/, JPEGImages/, ImageSets/Main/<split>.txt).

Standard library only. Image sizes are read from the JPEG frame header, not trusted from the XML. Reports, never fixes:
XML size differing from the JPEG, boxes with xmax <= xmin or ymax <= ymin, boxes outside the 1-based pixel range
[1, width] x [1, height], images with no object, EXIF orientation tags other than 1, ids listed in two splits,
and the difficult / truncated flags.

Usage: python3 voc_stats.py datasets/cards/Cards train test
"""
import collections
import os
import struct
import sys
import xml.etree.ElementTree as ET

SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def exif_orientation(app1: bytes):
    if app1[:6] != b"Exif\x00\x00":
        return None
    tiff = app1[6:]
    endian = "<" if tiff[:2] == b"II" else ">"
    ifd = struct.unpack(endian + "I", tiff[4:8])[0]
    (count,) = struct.unpack(endian + "H", tiff[ifd:ifd + 2])
    for k in range(count):
        entry = tiff[ifd + 2 + 12 * k: ifd + 14 + 12 * k]
        if struct.unpack(endian + "H", entry[:2])[0] == 0x0112:
            return struct.unpack(endian + "H", entry[8:10])[0]
    return None


def jpeg_header(path: str):
    """(width, height, EXIF orientation or None) from the markers before the first frame header."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\xff\xd8":
        raise ValueError(f"{path}: not a JPEG (no SOI marker)")
    pos, orientation = 2, None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"{path}: corrupt marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        segment = data[pos + 4:pos + 2 + length]
        if marker == 0xE1 and orientation is None:
            orientation = exif_orientation(segment)
        if marker in SOF_MARKERS:
            height, width = struct.unpack(">HH", segment[1:5])
            return width, height, orientation
        pos += 2 + length
    raise ValueError(f"{path}: no frame header")


def describe(values: list[int]) -> str:
    ordered = sorted(values)
    return (f"min {ordered[0]}, median {ordered[len(ordered) // 2]}, mean {sum(ordered) / len(ordered):.2f}, "
            f"max {ordered[-1]}")


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, splits = sys.argv[1], sys.argv[2:]
    split_of: dict[str, str] = {}
    for split in splits:
        with open(os.path.join(root, "ImageSets", "Main", split + ".txt")) as f:
            ids = [line.strip() for line in f if line.strip()]
        classes = collections.Counter()
        sizes = collections.Counter()
        per_image, widths, heights, quirks = [], [], [], []
        difficult = truncated = 0
        for image_id in ids:
            if image_id in split_of:
                quirks.append(f"{image_id}: also listed in {split_of[image_id]}")
            split_of[image_id] = split
            annotation = ET.parse(os.path.join(root, "Annotations", image_id + ".xml")).getroot()
            width, height, orientation = jpeg_header(os.path.join(root, "JPEGImages", image_id + ".jpg"))
            sizes[f"{width}x{height}"] += 1
            xml_size = (int(annotation.findtext("size/width")), int(annotation.findtext("size/height")))
            if xml_size != (width, height):
                quirks.append(f"{image_id}: XML size {xml_size[0]}x{xml_size[1]}, JPEG {width}x{height}")
            if orientation not in (None, 1):
                quirks.append(f"{image_id}: EXIF orientation {orientation}")
            objects = annotation.findall("object")
            per_image.append(len(objects))
            if not objects:
                quirks.append(f"{image_id}: no object")
            for obj in objects:
                name = obj.findtext("name").strip()
                classes[name] += 1
                x0, y0, x1, y1 = (float(obj.findtext("bndbox/" + k)) for k in ("xmin", "ymin", "xmax", "ymax"))
                widths.append(int(x1 - x0 + 1))
                heights.append(int(y1 - y0 + 1))
                if x1 <= x0 or y1 <= y0:
                    quirks.append(f"{image_id}: degenerate {name} box ({x0:g},{y0:g},{x1:g},{y1:g})")
                if x0 < 1 or y0 < 1 or x1 > width or y1 > height:
                    quirks.append(f"{image_id}: {name} box ({x0:g},{y0:g},{x1:g},{y1:g}) outside 1..{width} x 1..{height}")
                difficult += (obj.findtext("difficult") or "0").strip() == "1"
                truncated += (obj.findtext("truncated") or "0").strip() == "1"
        print(f"== {split}: {len(ids)} images, {sum(per_image)} objects")
        print(f"   classes: {', '.join(f'{c} {n}' for c, n in sorted(classes.items()))}")
        print(f"   objects per image: {describe(per_image)}; histogram "
              f"{', '.join(f'{k}: {v}' for k, v in sorted(collections.Counter(per_image).items()))}")
        print(f"   image sizes (WxH): {', '.join(f'{s} {n}' for s, n in sizes.most_common())}")
        print(f"   box width px: {describe(widths)}; box height px: {describe(heights)}")
        print(f"   flags: difficult {difficult}, truncated {truncated}")
        print(f"   quirks: {len(quirks)}")
        for quirk in quirks:
            print(f"     {quirk}")


if __name__ == "__main__":
    main()
