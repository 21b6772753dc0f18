#!/usr/bin/env python3
"""Lay out Evan Juras' "Pinochle Deck" playing-card photos as a Pascal VOC dataset.

Source: https://github.com/EdjeElectronics/TensorFlow-Object-Detection-API-Tutorial-Train-Multiple-Objects-Windows-10
(commit c1645825822622fc75919b6be253779d49678f55, Apache-2.0). Its `images/train` and `images/test` folders hold
one labelImg VOC XML per photo beside the JPEG. This script copies them, byte for byte, into

    <dest>/Cards/Annotations/<id>.xml
    <dest>/Cards/JPEGImages/<id>.jpg
    <dest>/Cards/ImageSets/Main/{train,test}.txt   (the author's own split; ids sorted, one per line)
    <dest>/LICENSE                                  (the repository's LICENSE, verbatim)

The only change is the image file name: the iPhone photos are named `IMG_nnnn.JPG` and the VOC loader opens
`JPEGImages/<id>.jpg`, so the extension is written in lower case. The XML files are not edited (their <folder>,
<filename> and <path> still name the author's original files). Boxes are not touched: quirks are reported by
voc_stats.py, never fixed here.

Usage: python3 vendor_pinochle_cards.py --source <checkout of the repository> --dest datasets/cards
"""
import argparse
import os
import shutil
import sys

SPLITS = ("train", "test")
IMAGE_EXTENSIONS = (".jpg", ".JPG", ".jpeg", ".JPEG")


def collect(source: str, split: str) -> list[tuple[str, str, str]]:
    """(id, xml path, image path) for every annotation in images/<split>, sorted by id."""
    folder = os.path.join(source, "images", split)
    items = []
    for name in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(name)
        if ext != ".xml":
            continue
        images = [os.path.join(folder, stem + e) for e in IMAGE_EXTENSIONS if os.path.isfile(os.path.join(folder, stem + e))]
        if len(images) != 1:
            sys.exit(f"{os.path.join(folder, name)}: expected exactly one image beside it, found {images}")
        items.append((stem, os.path.join(folder, name), images[0]))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="root of a checkout (or git archive) of the source repository")
    parser.add_argument("--dest", required=True, help="folder to create, e.g. datasets/cards")
    args = parser.parse_args()

    voc = os.path.join(args.dest, "Cards")
    if os.path.exists(voc):
        sys.exit(f"{voc} already exists; remove it first")
    for sub in ("Annotations", "JPEGImages", os.path.join("ImageSets", "Main")):
        os.makedirs(os.path.join(voc, sub))

    seen: dict[str, str] = {}
    for split in SPLITS:
        items = collect(args.source, split)
        for image_id, xml, image in items:
            if image_id in seen:
                sys.exit(f"id {image_id} is in both {seen[image_id]} and {split}")
            seen[image_id] = split
            shutil.copyfile(xml, os.path.join(voc, "Annotations", image_id + ".xml"))
            shutil.copyfile(image, os.path.join(voc, "JPEGImages", image_id + ".jpg"))
        with open(os.path.join(voc, "ImageSets", "Main", split + ".txt"), "w", newline="\n") as f:
            f.writelines(image_id + "\n" for image_id, _, _ in items)
        print(f"{split}: {len(items)} images")

    shutil.copyfile(os.path.join(args.source, "LICENSE"), os.path.join(args.dest, "LICENSE"))


if __name__ == "__main__":
    main()
