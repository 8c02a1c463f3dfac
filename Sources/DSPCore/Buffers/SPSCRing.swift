import Synchronization

/// A fixed-capacity ring for one producer thread and one consumer thread: the audio thread and the
/// control thread talk through a pair of these (commands down, events up) and never take a lock.
///
/// The producer owns `tail` and the consumer owns `head`; each publishes its index with a release
/// store and reads the other's with an acquire load, so an element is fully written before the consumer
/// can see it. Elements should be small plain values (enums of integers); a class reference may pass
/// through (its retain and release are atomic, never a lock or an allocation).
///
/// Cost: `push` and `pop` are a few loads and stores and two atomic operations. Real-time safe: no
/// allocation, locks, logging or blocking after `init`.
public final class SPSCRing<Element>: @unchecked Sendable {
    // Confinement: `push` only from the producer thread, `pop` only from the consumer thread.
    private let storage: UnsafeMutablePointer<Element?>
    private let capacity: Int
    private let head = Atomic<Int>(0)  // next index to pop (consumer)
    private let tail = Atomic<Int>(0)  // next index to push (producer)

    /// A ring that holds up to `capacity` elements. Allocates here and never again.
    public init(capacity: Int) {
        precondition(capacity > 0, "SPSCRing: capacity must be positive")
        self.capacity = capacity + 1  // one slot stays empty to tell full from empty
        storage = .allocate(capacity: capacity + 1)
        storage.initialize(repeating: nil, count: capacity + 1)
    }

    deinit {
        storage.deinitialize(count: capacity)
        storage.deallocate()
    }

    /// Adds `element`; false when the ring is full (the caller counts the loss).
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    @discardableResult
    public func push(_ element: Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        let next = t + 1 == capacity ? 0 : t + 1
        guard next != head.load(ordering: .acquiring) else { return false }
        storage[t] = element
        tail.store(next, ordering: .releasing)
        return true
    }

    /// Takes the oldest element, or nil when the ring is empty.
    ///
    /// Real-time safe: no allocation, locks, logging or blocking.
    public func pop() -> Element? {
        let h = head.load(ordering: .relaxed)
        guard h != tail.load(ordering: .acquiring) else { return nil }
        let element = storage[h]
        storage[h] = nil
        head.store(h + 1 == capacity ? 0 : h + 1, ordering: .releasing)
        return element
    }

    /// True when nothing is waiting (a snapshot: the producer may push at once).
    public var isEmpty: Bool { head.load(ordering: .acquiring) == tail.load(ordering: .acquiring) }
}
