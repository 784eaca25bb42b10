"""A timelapse of an image panel: the frames kept while a run trained, as an animated GIF (Pillow)
and an MP4 (imageio's ffmpeg plugin, when it is installed), each frame with its step burned in.

``FrameKeeper`` keeps at most ``max_frames`` frames (and ``max_bytes``): when it is full it drops
every other frame and from then on keeps every second one offered, so the frames always span the
whole run evenly, in bounded memory."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..atomic import atomic_path
from .images import to_uint8


class FrameKeeper:
    def __init__(self, max_frames=240, max_bytes=64 << 20, label="step"):
        """``label``: what the number burned into each frame counts (the step, or a slider's value)."""
        self.max_frames, self.max_bytes, self.label = max_frames, max_bytes, label
        self.frames: list[tuple[int, np.ndarray]] = []
        self.stride, self._offered = 1, 0
        self.last_source = None   # the array last recorded (a panel shows the same one between draws)

    def clear(self):
        self.frames, self.stride, self._offered, self.last_source = [], 1, 0, None

    def offer(self, step, img, lo=0.0, hi=1.0):
        """Keep this frame if it is the next one the stride keeps."""
        self.last_source = img
        self._offered += 1
        if (self._offered - 1) % self.stride:
            return False
        frame = to_uint8(img, lo, hi)
        frame = frame[..., :3] if frame.ndim == 3 else frame  # RGB(A) -> RGB
        self.frames.append((int(step), frame))
        if len(self.frames) > self.max_frames or len(self.frames) * frame.nbytes > self.max_bytes:
            self.frames = self.frames[::2]
            self.stride *= 2
        return True


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def labelled(frames, min_side=256, label="step"):
    """RGB frames scaled up by whole pixels to at least ``min_side``, each with "<label> N" above it."""
    h, w = frames[0][1].shape[:2]
    k = max(1, -(-min_side // max(h, w)))
    band = max(18, (h * k) // 12)
    font = _font(int(band * 0.7))
    out = []
    for step, f in frames:
        img = Image.fromarray(f).convert("RGB").resize((w * k, h * k), Image.NEAREST)
        canvas = Image.new("RGB", (w * k, h * k + band), "white")
        canvas.paste(img, (0, band))
        ImageDraw.Draw(canvas).text((6, band // 2), f"{label} {step}", fill=(20, 20, 20), font=font, anchor="lm")
        out.append(np.asarray(canvas))
    return out


def write_gif(path, frames, seconds=8.0, label="step"):
    """An animated GIF of ``frames`` [(step, uint8 image)] lasting about ``seconds`` (looping)."""
    imgs = [Image.fromarray(a) for a in labelled(frames, label=label)]
    ms = int(np.clip(1000 * seconds / len(imgs), 40, 500))
    with atomic_path(path) as tmp:
        imgs[0].save(tmp, format="GIF", save_all=True, append_images=imgs[1:], duration=ms, loop=0)
    return path


def mp4_available():
    import importlib.util
    return importlib.util.find_spec("imageio_ffmpeg") is not None


def write_mp4(path, frames, seconds=8.0, label="step"):
    """An H.264 MP4 of ``frames`` (sides padded to even sizes); None when imageio's ffmpeg plugin
    is not installed."""
    if not mp4_available():
        return None
    import imageio.v2 as imageio
    imgs = labelled(frames, label=label)
    h, w = imgs[0].shape[:2]
    pad = ((0, h % 2), (0, w % 2), (0, 0))
    fps = float(np.clip(len(imgs) / seconds, 2, 30))
    with atomic_path(path) as tmp:
        writer = imageio.get_writer(str(tmp), format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                    pixelformat="yuv420p", macro_block_size=1, output_params=["-f", "mp4"])
        try:
            for a in imgs:
                writer.append_data(np.pad(a, pad, mode="edge"))
        finally:
            writer.close()
    return path
