import DSPCore
import Foundation
import Testing

@Suite struct SPSCRingTests {
    @Test func fillsToCapacityAndKeepsOrder() {
        let ring = SPSCRing<Int>(capacity: 3)
        #expect(ring.isEmpty)
        #expect(ring.push(1) && ring.push(2) && ring.push(3))
        #expect(!ring.push(4))  // full
        #expect(ring.pop() == 1)
        #expect(ring.push(4))
        #expect([ring.pop(), ring.pop(), ring.pop(), ring.pop()] == [2, 3, 4, nil])
    }

    /// One producer thread and one consumer thread: every element arrives once, in order.
    @Test func twoThreadsPassEveryElementInOrder() async {
        let ring = SPSCRing<Int>(capacity: 64)
        let count = 200_000
        let producer = Thread {
            var next = 0
            while next < count {
                if ring.push(next) { next += 1 }
            }
        }
        producer.start()
        var expected = 0
        var inOrder = true
        while expected < count {
            if let value = ring.pop() {
                if value != expected { inOrder = false }
                expected += 1
            }
        }
        #expect(inOrder)
        #expect(ring.pop() == nil)
    }
}
