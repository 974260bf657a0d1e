"""Readable names of the ImageNet classes (WordNet ids) used by Imagenette and Imagewoof."""
from __future__ import annotations

# fastai/imagenette; names as torchvision's Imagenette dataset gives them.
IMAGENETTE = {
    "n01440764": "tench",
    "n02102040": "English springer",
    "n02979186": "cassette player",
    "n03000684": "chain saw",
    "n03028079": "church",
    "n03394916": "French horn",
    "n03417042": "garbage truck",
    "n03425413": "gas pump",
    "n03445777": "golf ball",
    "n03888257": "parachute",
}

# Ten dog breeds; names as frgfm/imagewoof's label map gives them.
IMAGEWOOF = {
    "n02086240": "Shih-Tzu",
    "n02087394": "Rhodesian ridgeback",
    "n02088364": "beagle",
    "n02089973": "English foxhound",
    "n02093754": "Border terrier",
    "n02096294": "Australian terrier",
    "n02099601": "golden retriever",
    "n02105641": "Old English sheepdog",
    "n02111889": "Samoyed",
    "n02115641": "dingo",
}

KNOWN_NAMES = {**IMAGENETTE, **IMAGEWOOF}


def readable_name(wnid: str) -> str:
    """The class name of a known WordNet id, else the id itself (e.g. a custom folder name)."""
    return KNOWN_NAMES.get(wnid, wnid)
