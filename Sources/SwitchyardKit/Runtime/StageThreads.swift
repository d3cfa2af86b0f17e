import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads that runs a pipeline's stage tasks (`switchyard run --threads N`),
/// instead of Swift's global pool, which uses every core.
///
/// With one thread the stages take turns on it: a pipeline uses at most one core, and the
/// hand-off of a batch between stages is a job queued on the same thread, not a wake-up of
/// another core. Network stages still do their I/O on their own event loop threads; only
/// the stages' own code runs here.
///
/// Jobs run in the order they were queued. A stage must not block its thread waiting for
/// another stage (none does: stages wait with `await`, and blocking reads of child
/// processes run on threads of their own).
public final class StageThreads: TaskExecutor, Sendable {
    /// How many threads run jobs.
    public let count: Int
    private let queue = Mutex(JobQueue())
    // One signal per queued job (and one per thread at shutdown): a thread waits for it.
    private let ready = DispatchSemaphore(value: 0)

    /// Starts `count` threads (at least one).
    public init(count: Int) {
        precondition(count >= 1, "StageThreads needs at least one thread")
        self.count = count
        for _ in 0..<count { startThread() }
    }

    /// Queues `job`; a thread runs it.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.push(job) }
        ready.signal()
    }

    /// Lets the threads end once the jobs queued before this call have run (a thread that
    /// finds the queue empty after the wake-up this adds ends). Queue nothing after it.
    public func shutdown() {
        for _ in 0..<count { ready.signal() }
    }

    /// A thread's loop: runs jobs until ``shutdown()`` and an empty queue.
    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            ready.wait()
            guard let job = queue.withLock({ $0.pop() }) else { return }
            job.runSynchronously(on: executor)
        }
    }

    private func startThread() {
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let threads = Unmanaged<StageThreads>.fromOpaque(argument!).takeRetainedValue()
            threads.work()
            return nil
        }, retained)
        precondition(created == 0, "cannot start a stage thread (error \(created))")
        pthread_detach(thread)
    }
}

/// First in, first out, as two stacks: `push` appends to `incoming`; `pop` takes from
/// `outgoing`, refilled with `incoming` reversed when it runs out.
private struct JobQueue: ~Copyable {
    var incoming: [UnownedJob] = []
    var outgoing: [UnownedJob] = []

    mutating func push(_ job: UnownedJob) {
        incoming.append(job)
    }

    /// The oldest job; nil only when the queue is empty (every wake-up but those of ``StageThreads/shutdown()`` has a job).
    mutating func pop() -> UnownedJob? {
        if outgoing.isEmpty {
            swap(&incoming, &outgoing)
            outgoing.reverse()
        }
        return outgoing.popLast()
    }
}
