#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses, tests/fuzz/corpus/<harness>/.

Each seed is a harness input: the mode bytes the harness reads first (see the comment at
the top of tests/fuzz/<harness>.c), then a small valid file of the format, so the fuzzer
starts from every feature the reader supports. Needs python3-numpy and python3-pil (`make
bench-deps`); the seeds are committed, so this only runs when they change.
"""
import gzip
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def put(harness, name, data):
    d = os.path.join(HERE, 'corpus', harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def idx_file(arr):
    return struct.pack('>BBBB', 0, 0, 8, arr.ndim) + \
        b''.join(struct.pack('>I', s) for s in arr.shape) + arr.astype(np.uint8).tobytes()


def idx_seeds():
    rng = np.random.default_rng(1)
    files = {
        'images': rng.integers(0, 256, (3, 5, 4)),
        'labels': np.arange(7) % 10,
        'matrix': rng.integers(0, 256, (2, 6)),
        'cube4': rng.integers(0, 256, (2, 1, 3, 2)),
        'empty': np.zeros((0, 28, 28)),
    }
    for name, arr in files.items():
        raw = idx_file(arr)
        put('idx', name, b'\0' + raw)                 # plain, as is
        put('idx', name + '.gz', b'\0' + gzip.compress(raw, mtime=0))  # gzip, as is
        put('idx', name + '.z', b'\1' + raw)          # the harness compresses it
    put('idx', 'truncated', b'\0' + idx_file(files['images'])[:-5])


def picture(w, h, mode):
    y, x = np.mgrid[0:h, 0:w]
    r = 128 + 100 * np.sin(6.0 * x / w) * np.cos(4.0 * y / h)
    g = 128 + 90 * np.cos(5.0 * y / h) * np.sin(3.0 * x / w + 1)
    b = 60 + 150 * (x / w) * (y / h) + ((x // 8 + y // 8) % 2) * 20
    im = Image.fromarray(np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8), 'RGB')
    return im.convert(mode)


def jpeg(im, **kw):
    buf = io.BytesIO()
    im.save(buf, 'JPEG', **kw)
    return buf.getvalue()


# (flags byte, ops): flags bit 0 = 3 channels, bits 1-3 = op count; an op is 6 bytes:
# kind (0 Resize, 1 CenterCrop, 2 RandomResizedCrop, 3 RandomCrop, 4 HFlip, 5 Grayscale,
# 6 ToFloat, 7 Normalize), h, w, then its parameters.
PIPELINES = {
    'none': (1, []),
    'gray': (0, []),
    'resize_crop': (1, [(0, 32, 0, 0, 0, 0), (1, 28, 28, 0, 0, 0)]),
    'rrc': (1, [(2, 24, 24, 20, 0x48, 10), (4, 0, 0, 128, 0, 0), (7, 0, 0, 2, 120, 16)]),
    'crop_flip_gray': (1, [(3, 16, 16, 4, 0, 0), (4, 0, 0, 255, 0, 0), (5, 0, 0, 3, 0, 0)]),
    'resize_hw': (0, [(0, 17, 40, 0, 0, 0), (6, 0, 0, 0, 0, 0)]),
    'pad_crop': (1, [(1, 64, 70, 0, 0, 0)]),
}


def jpeg_seeds():
    pics = {
        'rgb420': jpeg(picture(64, 48, 'RGB'), quality=85),
        'rgb444': jpeg(picture(33, 17, 'RGB'), quality=95, subsampling=0),
        'rgb422': jpeg(picture(40, 40, 'RGB'), quality=75, subsampling=1),
        'gray': jpeg(picture(29, 31, 'L'), quality=90),
        'progressive': jpeg(picture(48, 64, 'RGB'), quality=80, progressive=True),
        'optimized': jpeg(picture(16, 16, 'RGB'), quality=50, optimize=True),
        'cmyk': jpeg(picture(24, 20, 'CMYK'), quality=90),
        'tiny': jpeg(picture(1, 1, 'RGB'), quality=90),
        'wide': jpeg(picture(200, 3, 'L'), quality=70),
    }
    for pname, (flags, ops) in PIPELINES.items():
        head = bytes([flags | len(ops) << 1]) + b''.join(bytes(op) for op in ops) + b'\7'
        for iname, data in pics.items():
            if pname in ('none', 'rrc') or iname in ('rgb420', 'gray', 'cmyk', 'progressive'):
                put('jpeg', f'{pname}-{iname}', head + data)


def npy(arr, version=None):
    buf = io.BytesIO()
    if version:
        np.lib.format.write_array(buf, arr, version=version)
    else:
        np.save(buf, arr)
    return buf.getvalue()


def npy_seeds():
    a = np.arange(6, dtype='<f4').reshape(2, 3) / 4
    arrays = {
        'f4': a,
        'i8': np.arange(-3, 4, dtype='<i8'),
        'u1': np.arange(8, dtype='u1').reshape(2, 2, 2),
        'f8': np.linspace(-1, 1, 5),
        'i4': np.array([[1, -2], [3, 2**31 - 1]], dtype='<i4'),
        'b1': np.array([True, False, True]),
        'fortran': np.asfortranarray(np.arange(12, dtype='<f4').reshape(3, 4)),
        'scalar': np.array(2.5, dtype='<f4'),
        'empty': np.zeros((0, 3), dtype='<i8'),
    }
    for name, arr in arrays.items():
        put('npy', name, b'\0' + npy(arr))
    put('npy', 'v2', b'\0' + npy(a, (2, 0)))
    put('npy', 'v3', b'\0' + npy(a, (3, 0)))
    put('npy', 'into-f4', b'\1' + npy(a))          # fills the existing [2, 3] tensor
    put('npy', 'into-i8', b'\1' + npy(arrays['i8']))  # refused: wrong shape, left untouched


def archive(meta, tensors):
    """The layout in core/io/archive.h."""
    codes = {np.dtype('<f4'): 1, np.dtype('<i8'): 2, np.dtype('u1'): 3}
    out = b'DCLABARC' + struct.pack('<IIQ', 1, len(tensors), len(meta)) + meta
    for name, arr in tensors:
        nb = name.encode()
        out += struct.pack('<I', len(nb)) + nb + struct.pack('<II', codes[arr.dtype], arr.ndim)
        out += b''.join(struct.pack('<q', s) for s in arr.shape) + arr.tobytes()
    return out + struct.pack('<I', zlib.crc32(out))


def archive_seeds():
    model = [('model.features.1.weight', np.linspace(-1, 1, 24, dtype='<f4').reshape(2, 3, 2, 2)),
             ('model.features.1.bias', np.zeros(2, dtype='<f4')),
             ('optim.1.1.1', np.ones((2, 3, 2, 2), dtype='<f4'))]
    files = {
        'checkpoint': archive(b'return {meta = {epoch = 3}, optim = {{steps = 10}}}', model),
        'kinds': archive(b'', [('i', np.arange(4, dtype='<i8')), ('u', np.arange(3, dtype='u1')),
                               ('scalar', np.array(1.5, dtype='<f4')),
                               ('empty', np.zeros((0, 5), dtype='<f4'))]),
        'nothing': archive(b'meta only', []),
    }
    for name, data in files.items():
        put('archive', name, b'\0' + data)
        put('archive', name + '.fixcrc', b'\1' + data)


def folder_seeds():
    trees = {
        'classes': 'da\nfa/1.jpg\nfa/2.JPEG\nfa/sub/3.jpeg\nfb/x.jpg\nfb/notes.txt\n'
                   'f.hidden/y.jpg\nfa/.z.jpg\ndempty\n',
        'flat': 'f1.jpg\nf2.jpg\nf10.jpg\nfimg.png\nf.jpg\nfjpg\nfa.jpg.bak\n',
        'odd_names': 'fsp ace/\t tab.jpg\nf\xc3\xa9t\xc3\xa9/\xff\xfe.jpg\nf-/--.JPG\n'
                     'f\\/a\\b.jpg\nf"q\'uote/$(x).jpg\nfnl/a\rb.jpg\n',
        'links': 'fa/1.jpg\nlb\ta\nla/self\t.\nla/up\t..\nlc/f.jpg\t../a/1.jpg\nld\tnowhere\n',
    }
    for name, text in trees.items():
        data = text.encode('latin-1')
        for mode in (0, 1, 2):
            put('folder', f'{name}-{mode}', bytes([mode]) + data)
    lists = {
        'list_classes': 'a/1.jpg\tcat\nb/2.jpg\tdog\n# comment\n\nc/3.jpg\tcat\n',
        'list_plain': '/abs/x.jpg\nrel/y.jpg\r\n',
        'list_mixed': 'a.jpg\tcat\nb.jpg\n',
    }
    for name, text in lists.items():
        put('folder', name, b'\3' + text.encode())
        put('folder', name + '-root', b'\7' + text.encode())


if __name__ == '__main__':
    idx_seeds()
    jpeg_seeds()
    npy_seeds()
    archive_seeds()
    folder_seeds()
