"""Face boxes in pixel coordinates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the (EXIF-oriented) image: left/top inclusive, right/bottom exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        """Pixels, right - left."""
        return self.right - self.left

    @property
    def height(self) -> int:
        """Pixels, bottom - top."""
        return self.bottom - self.top

    @property
    def area(self) -> int:
        """Square pixels (0 for an empty box)."""
        return max(0, self.width) * max(0, self.height)

    def distance_to(self, x: float, y: float) -> float:
        """Distance in pixels from the box's centre to the point (x, y)."""
        return (((self.left + self.right) / 2 - x) ** 2 + ((self.top + self.bottom) / 2 - y) ** 2) ** 0.5

    def scale(self, factor: float) -> Box:
        """The same box in an image `factor` times larger."""
        return Box(*(round(v * factor) for v in (self.left, self.top, self.right, self.bottom)))

    def shift(self, dx: int, dy: int) -> Box:
        """The same box moved right by `dx` and down by `dy` pixels."""
        return Box(self.left + dx, self.top + dy, self.right + dx, self.bottom + dy)

    def grow(self, margin: float) -> Box:
        """The box with `margin` times its width (height) added left and right (above and below)."""
        dx, dy = round(self.width * margin), round(self.height * margin)
        return Box(self.left - dx, self.top - dy, self.right + dx, self.bottom + dy)

    def clip(self, width: int, height: int) -> Box:
        """The part of the box inside an image of `width` x `height` pixels."""
        return Box(max(0, self.left), max(0, self.top), min(width, self.right), min(height, self.bottom))

    def to_json(self) -> dict[str, int]:
        """{"left", "top", "right", "bottom"} in pixels, as the API and `find --json` give boxes."""
        return {"left": self.left, "top": self.top, "right": self.right, "bottom": self.bottom}
