"""Install minigrad: the packages ``minigrad``, ``layers`` and ``kernels``."""
from setuptools import find_packages, setup

setup(
    name="minigrad",
    version="0.1.0",
    description="A from-scratch deep-learning framework on NumPy and CuPy, for learning "
                "how deep learning works",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["minigrad", "minigrad.*", "layers", "layers.*",
                                    "kernels", "kernels.*"]),
    install_requires=["numpy>=1.24", "safetensors>=0.4", "pillow>=9", "tqdm>=4.60",
                      "matplotlib>=3.5"],
    extras_require={
        "test": ["pytest>=7", "hypothesis>=6"],
        "cuda": ["cupy>=12"],
    },
)
