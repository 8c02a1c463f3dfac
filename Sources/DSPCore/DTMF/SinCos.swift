import RealModule

// MARK: - Rotations: sin and cos of both tones at once, and by recurrence

/// sin x and cos x of both lanes, to about 1e-15 for |x| up to a few thousand radians.
///
/// Reduction by a three-part π/2 (the first two parts have 24 significant bits, so k times them is
/// exact), then Taylor polynomials to degree 15 (sin) and 16 (cos) on |r| ≤ π/4, whose truncation
/// error is below 5e-17. Cost: about 40 `SIMD2<Double>` operations, no call.
@inline(__always)
func sinCos(_ x: SIMD2<Double>) -> (sin: SIMD2<Double>, cos: SIMD2<Double>) {
    // π/2 = p1 + p2 + p3 (p1, p2 rounded to Float precision; p3 the rest).
    let p1 = 0x1.921fb6p+0, p2 = -0x1.777a5cp-25, p3 = -0x1.ee59d9cceba40p-50
    // k = x·2/π rounded to the nearest integer: adding 1.5·2⁵² leaves it in the low bits of the sum
    // (no call to `rint`, which baseline x86-64 lacks as an instruction).
    let shifter = SIMD2<Double>(repeating: 0x1.8p52)
    let shifted = x * (2 / Double.pi) + shifter
    let k = shifted - shifter
    let r = ((x - k * p1) - k * p2) - k * p3
    let (sinR, cosR) = polynomialSinCos(r)
    var sine = SIMD2<Double>(), cosine = SIMD2<Double>()
    for lane in 0..<2 {
        switch shifted[lane].bitPattern & 3 {
        case 0: (sine[lane], cosine[lane]) = (sinR[lane], cosR[lane])
        case 1: (sine[lane], cosine[lane]) = (cosR[lane], -sinR[lane])
        case 2: (sine[lane], cosine[lane]) = (-sinR[lane], -cosR[lane])
        default: (sine[lane], cosine[lane]) = (-cosR[lane], sinR[lane])
        }
    }
    return (sine, cosine)
}

/// sin x and cos x of both lanes for |x| ≤ π/4 (else `sinCos`): the polynomials of `sinCos` without
/// its reduction. Used for the small per-sub-block rotations of a tone's offset.
@inline(__always)
func smallSinCos(_ r: SIMD2<Double>) -> (sin: SIMD2<Double>, cos: SIMD2<Double>) {
    guard abs(r.x) <= .pi / 4 && abs(r.y) <= .pi / 4 else { return sinCos(r) }
    return polynomialSinCos(r)
}

/// The Taylor polynomials of sin and cos on |r| ≤ π/4 (the reduced argument of `sinCos`).
@inline(__always)
func polynomialSinCos(_ r: SIMD2<Double>) -> (sin: SIMD2<Double>, cos: SIMD2<Double>) {
    let r2 = r * r
    var sinPoly = SIMD2<Double>(repeating: -1.0 / 1_307_674_368_000)
    sinPoly = sinPoly * r2 + 1.0 / 6_227_020_800
    sinPoly = sinPoly * r2 - 1.0 / 39_916_800
    sinPoly = sinPoly * r2 + 1.0 / 362_880
    sinPoly = sinPoly * r2 - 1.0 / 5040
    sinPoly = sinPoly * r2 + 1.0 / 120
    sinPoly = sinPoly * r2 - 1.0 / 6
    var cosPoly = SIMD2<Double>(repeating: 1.0 / 20_922_789_888_000)
    cosPoly = cosPoly * r2 - 1.0 / 87_178_291_200
    cosPoly = cosPoly * r2 + 1.0 / 479_001_600
    cosPoly = cosPoly * r2 - 1.0 / 3_628_800
    cosPoly = cosPoly * r2 + 1.0 / 40320
    cosPoly = cosPoly * r2 - 1.0 / 720
    cosPoly = cosPoly * r2 + 1.0 / 24
    cosPoly = cosPoly * r2 - 0.5
    return (r + r * r2 * sinPoly, 1 + r2 * cosPoly)
}

/// e^{-j·step·i} for i = 0, 1, 2, ... by recurrence: one cos and one sin per window, not per sub-block.
struct Rotation: Sendable {
    private var c = 1.0, s = 0.0
    private let stepCos: Double, stepSin: Double

    /// A rotation that advances by `stepRadians` per call (negative: clockwise).
    init(stepRadians: Double) {
        stepCos = Double.cos(stepRadians)
        stepSin = Double.sin(stepRadians)
    }

    /// The current (cos, sin); advances by one step.
    mutating func next() -> (Double, Double) {
        let current = (c, s)
        (c, s) = (c * stepCos - s * stepSin, c * stepSin + s * stepCos)
        return current
    }
}
