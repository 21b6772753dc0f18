using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's detection data loaders. Background workers (DATALOADER.NUM_WORKERS; 0 maps on the caller's thread) decode
/// and augment ahead of the consumer; results are put back in sampler order and each sample's RNG is seeded from
/// (seed, stream position), so batches do not depend on thread timing.
/// <para>Ownership: every <see cref="MappedSample"/> handed out belongs to the caller, who disposes it. Samples still
/// queued when the loader is disposed are disposed by the loader.</para>
/// <para>Memory: at most <c>prefetch</c> samples are being mapped or wait to be taken, plus fewer than one batch per
/// aspect bucket.</para>
/// </summary>
public sealed partial class DetectionDataLoader : IDisposable
{
    private readonly IReadOnlyList<DatasetRecord> records;
    private readonly IDatasetMapper mapper;
    private readonly int seed;
    private readonly bool grouping;
    private readonly bool isTrain;
    private readonly IEnumerator<int> indices;
    private readonly object claimLock = new();
    private readonly object readyLock = new();
    private readonly Dictionary<long, (MappedSample? Sample, Exception? Error)> ready = new();
    private readonly SemaphoreSlim budget;
    private readonly CancellationTokenSource cts;
    private readonly Task[] workers;
    private readonly List<MappedSample>[] buckets = [new(), new()];
    private long nextToClaim;
    private long nextToTake;
    private long? end;
    private int inFlight;
    private int peakInFlight;
    private long waitTicks;
    private bool disposed;

    private DetectionDataLoader(IReadOnlyList<DatasetRecord> records, IDatasetMapper mapper, IEnumerable<int> indices, bool isTrain,
        int batchSize, int numWorkers, bool aspectRatioGrouping, int seed, int prefetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(mapper);
        if (records.Count == 0) throw new ArgumentException("The dataset has no records.", nameof(records));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (numWorkers < 0) throw new ArgumentOutOfRangeException(nameof(numWorkers), numWorkers, "numWorkers must be >= 0.");
        if (prefetch < 0) throw new ArgumentOutOfRangeException(nameof(prefetch), prefetch, "prefetch must be >= 0 (0 picks a default).");
        this.records = records;
        this.mapper = mapper;
        this.indices = indices.GetEnumerator();
        this.isTrain = isTrain;
        BatchSize = batchSize;
        grouping = aspectRatioGrouping;
        this.seed = seed;
        Prefetch = prefetch > 0 ? prefetch : Math.Max(2 * batchSize, 2 * numWorkers);
        budget = new SemaphoreSlim(Prefetch, Prefetch);
        cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        this.workers = Enumerable.Range(0, numWorkers)
            .Select(_ => Task.Factory.StartNew(WorkerLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
    }

    /// <summary>
    /// The endless training stream: TrainingSampler order, batches of <paramref name="batchSize"/> images that, with
    /// <paramref name="aspectRatioGrouping"/>, are all landscape (w &gt; h) or all portrait. With
    /// <paramref name="filterEmptyAnnotations"/> (DATALOADER.FILTER_EMPTY_ANNOTATIONS) images without a non-crowd box are
    /// left out first, and the count is logged to <paramref name="log"/>. <paramref name="sampler"/> makes the index stream
    /// from the records left (default: a <see cref="TrainingSampler"/> seeded with <paramref name="seed"/>).
    /// </summary>
    public static DetectionDataLoader CreateTrain(IReadOnlyList<DatasetRecord> records, IDatasetMapper mapper, int batchSize,
        int numWorkers, bool aspectRatioGrouping = true, int seed = 0, bool filterEmptyAnnotations = true, IDatasetLog? log = null,
        int prefetch = 0, CancellationToken cancellationToken = default, Func<IReadOnlyList<DatasetRecord>, IEnumerable<int>>? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (filterEmptyAnnotations)
        {
            records = DatasetCatalog.FilterEmpty(records, log ?? DatasetLog.Console);
            if (records.Count == 0)
                throw new ArgumentException("No image has a non-crowd annotation, so FILTER_EMPTY_ANNOTATIONS left nothing to train on.", nameof(records));
        }
        var indices = sampler is null ? new TrainingSampler(records.Count, seed) : sampler(records);
        return new(records, mapper, indices, true, batchSize, numWorkers, aspectRatioGrouping, seed, prefetch, cancellationToken);
    }

    /// <summary>One ordered pass over the records in batches (the last may be smaller); detectron2 tests with batch size 1.</summary>
    public static DetectionDataLoader CreateTest(IReadOnlyList<DatasetRecord> records, IDatasetMapper mapper, int numWorkers,
        int batchSize = 1, int seed = 0, int prefetch = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        return new(records, mapper, Enumerable.Range(0, records.Count), false, batchSize, numWorkers, false, seed, prefetch,
            cancellationToken);
    }

    public int BatchSize { get; }
    public int Prefetch { get; }
    public int NumWorkers => this.workers.Length;

    /// <summary>Total time <see cref="NextBatch"/> spent waiting for data (detectron2's data_time, summed).</summary>
    public TimeSpan DataWaitTime => TimeSpan.FromTicks(Interlocked.Read(ref waitTicks));

    /// <summary>The most samples that were being mapped at the same moment.</summary>
    public int PeakConcurrentMaps => Volatile.Read(ref peakInFlight);

    /// <summary>The next batch, or null once a test pass is over. A mapping error surfaces here, with its own type.</summary>
    public IReadOnlyList<MappedSample>? NextBatch(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(this.disposed, this);
        var watch = Stopwatch.StartNew();
        try
        {
            if (!this.isTrain || !grouping)
            {
                var batch = new List<MappedSample>(BatchSize);
                try
                {
                    while (batch.Count < BatchSize && TakeNext(cancellationToken) is { } s) batch.Add(s);
                }
                catch
                {
                    // The caller never sees a partial batch, so it could not dispose it.
                    foreach (var s in batch) s.Dispose();
                    throw;
                }
                return batch.Count > 0 ? batch : null;
            }
            while (true)
            {
                var sample = TakeNext(cancellationToken)
                    ?? throw new InvalidOperationException("The training stream ended, which an endless sampler never does.");
                var bucket = buckets[sample.Image.shape[2] > sample.Image.shape[1] ? 0 : 1];
                bucket.Add(sample);
                if (bucket.Count == BatchSize)
                {
                    var batch = bucket.ToList();
                    bucket.Clear();
                    return batch;
                }
            }
        }
        finally
        {
            Interlocked.Add(ref waitTicks, watch.Elapsed.Ticks);
        }
    }

    /// <summary>Batches until the test pass ends (forever for training) or <paramref name="cancellationToken"/> fires.</summary>
    public IEnumerable<IReadOnlyList<MappedSample>> Batches(CancellationToken cancellationToken = default)
    {
        while (NextBatch(cancellationToken) is { } batch) yield return batch;
    }

    private MappedSample? TakeNext(CancellationToken cancellationToken)
    {
        if (this.workers.Length == 0) ProduceOne(cancellationToken);
        (MappedSample? Sample, Exception? Error) item;
        lock (readyLock)
        {
            while (!ready.Remove(nextToTake, out item))
            {
                if (this.end is { } end && nextToTake >= end) return null;
                cancellationToken.ThrowIfCancellationRequested();
                cts.Token.ThrowIfCancellationRequested();
                Monitor.Wait(readyLock, 50);
            }
            nextToTake++;
        }
        budget.Release();
        if (item.Error is not null) ExceptionDispatchInfo.Capture(item.Error).Throw();
        return item.Sample;
    }

    private void WorkerLoop()
    {
        try
        {
            while (ProduceOne(cts.Token)) { }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Claims the next stream position and maps it; false once the sampler is exhausted.</summary>
    private bool ProduceOne(CancellationToken token)
    {
        budget.Wait(token);
        long position;
        int index;
        lock (claimLock)
        {
            if (this.end is not null || !this.indices.MoveNext())
            {
                lock (readyLock)
                {
                    this.end ??= nextToClaim;
                    Monitor.PulseAll(readyLock);
                }
                budget.Release();
                return false;
            }
            position = nextToClaim++;
            index = this.indices.Current;
        }
        (MappedSample?, Exception?) result;
        int now = Interlocked.Increment(ref inFlight);
        int peak;
        while (now > (peak = Volatile.Read(ref peakInFlight)) && Interlocked.CompareExchange(ref peakInFlight, now, peak) != peak) { }
        try
        {
            result = (this.mapper.Map(this.records[index], new Random(MixSeed(this.seed, position))), null);
        }
        catch (Exception e)
        {
            result = (null, e);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
        lock (readyLock)
        {
            ready[position] = result;
            Monitor.PulseAll(readyLock);
        }
        return true;
    }

    // SplitMix64 finaliser: neighbouring positions get unrelated augmentation streams.
    private static int MixSeed(int seed, long position)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)position + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }

    public void Dispose()
    {
        if (this.disposed) return;
        this.disposed = true;
        cts.Cancel();
        try { Task.WaitAll(this.workers); }
        catch (AggregateException) { }
        lock (readyLock)
        {
            foreach (var (sample, _) in ready.Values) sample?.Dispose();
            ready.Clear();
        }
        foreach (var bucket in buckets)
        {
            foreach (var s in bucket) s.Dispose();
            bucket.Clear();
        }
        this.indices.Dispose();
        cts.Dispose();
        budget.Dispose();
    }
}
