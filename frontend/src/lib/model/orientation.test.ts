import { describe, expect, it } from "vitest";
import { flipScreenHorizontal, flipScreenVertical, identityView, rotateView, type View } from "../render/transform";
import { directionLetters, imageAxes, lateralityLabel, opposite, screenMarkers } from "./orientation";

const axial = { row: "L", column: "P" }; // IOP 1\0\0\0\1\0: the usual axial CT

describe("directionLetters", () => {
  it("names the six axis directions (LPS)", () => {
    expect(directionLetters([1, 0, 0])).toBe("L");
    expect(directionLetters([-1, 0, 0])).toBe("R");
    expect(directionLetters([0, 1, 0])).toBe("P");
    expect(directionLetters([0, -1, 0])).toBe("A");
    expect(directionLetters([0, 0, 1])).toBe("H");
    expect(directionLetters([0, 0, -1])).toBe("F");
  });
  it("gives oblique directions several letters, strongest first", () => {
    expect(directionLetters([Math.SQRT1_2, Math.SQRT1_2, 0])).toBe("LP");
    expect(directionLetters([-0.5, 0.866, 0])).toBe("PR");
    expect(directionLetters([0.6, -0.3, 0.74])).toBe("HLA");
  });
  it("ignores a small tilt", () => {
    expect(directionLetters([0.996, 0, 0.087])).toBe("L"); // 5°
    expect(directionLetters([0.94, 0, -0.342])).toBe("LF"); // 20°
  });
  it("is empty for no direction", () => {
    expect(directionLetters([0, 0, 0])).toBe("");
  });
});

describe("opposite", () => {
  it("swaps every letter", () => {
    expect(opposite("LP")).toBe("RA");
    expect(opposite("HFA")).toBe("FHP");
  });
});

describe("imageAxes", () => {
  it("prefers Image Orientation (Patient)", () => {
    expect(imageAxes({ image_orientation_patient: [1, 0, 0, 0, 1, 0], patient_orientation: ["A", "R"] })).toEqual(axial);
    // Sagittal: rows run posterior, columns run to the feet.
    expect(imageAxes({ image_orientation_patient: [0, 1, 0, 0, 0, -1] })).toEqual({ row: "P", column: "F" });
  });
  it("uses Patient Orientation without it (a mammogram)", () => {
    expect(imageAxes({ image_orientation_patient: null, patient_orientation: ["A", "R"] })).toEqual({ row: "A", column: "R" });
    expect(imageAxes({ patient_orientation: [" p", "fl"] })).toEqual({ row: "P", column: "FL" });
  });
  it("is null without a usable one", () => {
    expect(imageAxes({})).toBeNull();
    expect(imageAxes(null)).toBeNull();
    expect(imageAxes({ patient_orientation: ["A"] })).toBeNull();
    expect(imageAxes({ patient_orientation: ["A", "X"] })).toBeNull();
    expect(imageAxes({ image_orientation_patient: [0, 0, 0, 0, 0, 0] })).toBeNull();
  });
});

describe("screenMarkers", () => {
  const v: View = identityView();
  it("puts the patient's left on the right of an axial image", () => {
    expect(screenMarkers(axial, v)).toEqual({ top: "A", right: "L", bottom: "P", left: "R" });
  });
  it("follows a horizontal and a vertical flip", () => {
    expect(screenMarkers(axial, flipScreenHorizontal(v))).toEqual({ top: "A", right: "R", bottom: "P", left: "L" });
    expect(screenMarkers(axial, flipScreenVertical(v))).toEqual({ top: "P", right: "L", bottom: "A", left: "R" });
  });
  it("follows rotations", () => {
    // Clockwise: the image's top (A) comes to the right, its right (L) to the bottom.
    expect(screenMarkers(axial, rotateView(v, true))).toEqual({ top: "R", right: "A", bottom: "L", left: "P" });
    expect(screenMarkers(axial, rotateView(v, false))).toEqual({ top: "L", right: "P", bottom: "R", left: "A" });
    expect(screenMarkers(axial, rotateView(rotateView(v, true), true))).toEqual({ top: "P", right: "R", bottom: "A", left: "L" });
  });
  it("a flip on screen after a rotation flips what is seen left-right", () => {
    const m = screenMarkers(axial, flipScreenHorizontal(rotateView(v, true)));
    expect(m).toEqual({ top: "R", right: "P", bottom: "L", left: "A" });
  });
  it("keeps oblique labels and their opposites", () => {
    const m = screenMarkers({ row: "LP", column: "F" }, v);
    expect(m).toEqual({ top: "H", right: "LP", bottom: "F", left: "RA" });
  });
  it("does not depend on zoom or pan", () => {
    expect(screenMarkers(axial, { ...v, zoom: 7, panX: -300, panY: 55 })).toEqual(screenMarkers(axial, v));
  });
});

describe("lateralityLabel", () => {
  it("shows R and L, and words for both and unpaired", () => {
    expect(lateralityLabel("R")).toBe("R");
    expect(lateralityLabel("l")).toBe("L");
    expect(lateralityLabel("B")).toBe("both");
    expect(lateralityLabel("U")).toBe("unpaired");
    expect(lateralityLabel(null)).toBe("");
  });
});
