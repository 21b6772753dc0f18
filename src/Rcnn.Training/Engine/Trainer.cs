using Rcnn.Training.Layers;
using System.Diagnostics;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Solver;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Engine;

/// <summary>
/// The training loop (detectron2's <c>SimpleTrainer</c> with hooks): per iteration, take a batch, set the scheduled
/// LR, compute the loss dictionary, stop on a non-finite loss, back-propagate, clip, step. Each iteration runs in its
/// own dispose scope and the batch's tensors are freed after it, so native memory stays flat over long runs.
/// </summary>
public sealed class Trainer
{
    private readonly nn.Module model;
    private readonly ITrainableDetector detector;
    private readonly IEnumerator<IReadOnlyList<DetectionInput>> data;
    private readonly List<HookBase> hooks = new();
    private readonly List<TorchSharp.Modules.Parameter> parameters;

    public Trainer(nn.Module model, IEnumerator<IReadOnlyList<DetectionInput>> data, optim.Optimizer optimizer,
        LrSchedule schedule, GradientClipper? clipper = null)
    {
        this.model = model;
        detector = model as ITrainableDetector ?? throw new ArgumentException($"{model.GetType().Name} cannot compute training losses.", nameof(model));
        this.data = data;
        Optimizer = optimizer;
        Schedule = schedule;
        Clipper = clipper;
        parameters = model.parameters().Where(p => p.requires_grad).ToList();
    }

    public nn.Module Model => model;

    public optim.Optimizer Optimizer { get; }

    public LrSchedule Schedule { get; private set; }

    public GradientClipper? Clipper { get; }

    public MetricsStorage Storage { get; } = new();

    /// <summary>The iteration being run (0-based).</summary>
    public int Iteration { get; private set; }

    public int StartIteration { get; private set; }

    public int MaxIteration { get; private set; }

    /// <summary>Changes the schedule of a run in progress: the loop ends at <paramref name="maxIteration"/> and takes
    /// each LR from <paramref name="schedule"/> from the next iteration on. Must lie ahead of the current iteration.</summary>
    public void Reschedule(int maxIteration, LrSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (maxIteration <= Iteration + 1)
            throw new ArgumentOutOfRangeException(nameof(maxIteration), maxIteration, $"must lie ahead of the current iteration {Iteration}");
        MaxIteration = maxIteration;
        Schedule = schedule;
    }

    public void Register(params HookBase[] newHooks)
    {
        foreach (var h in newHooks)
        {
            h.Trainer = this;
            hooks.Add(h);
        }
    }

    /// <summary>Runs iterations [startIteration, maxIteration). Cancellation stops after the current iteration,
    /// still running every hook's AfterTrain (so a final checkpoint can be written).</summary>
    public void Train(int startIteration, int maxIteration, CancellationToken cancel = default)
    {
        StartIteration = startIteration;
        MaxIteration = maxIteration;
        model.train();
        foreach (var h in hooks) h.BeforeTrain();
        try
        {
            for (Iteration = startIteration; Iteration < MaxIteration && !cancel.IsCancellationRequested; Iteration++)
            {
                Storage.Iteration = Iteration;
                foreach (var h in hooks) h.BeforeStep();
                RunStep();
                foreach (var h in hooks) h.AfterStep();
            }
        }
        finally
        {
            foreach (var h in hooks) h.AfterTrain();
        }
    }

    /// <summary>True when the loop ran to <see cref="MaxIteration"/> (not cancelled or failed).</summary>
    public bool Completed => Iteration >= MaxIteration;

    private void RunStep()
    {
        var clock = Stopwatch.StartNew();
        if (!data.MoveNext()) throw new InvalidOperationException("The training data stream ended; it must be infinite.");
        var batch = data.Current;
        double dataTime = clock.Elapsed.TotalSeconds;
        try
        {
            using var scope = NewDisposeScope();
            double lr = Schedule.ApplyTo(Optimizer, Iteration);
            var losses = detector.Losses(batch);
            var total = losses.Values.Aggregate((a, b) => a.Plus(b));
            var values = losses.ToDictionary(kv => kv.Key, kv => kv.Value.item<float>());
            double totalValue = total.item<float>();
            if (!double.IsFinite(totalValue))
                throw new TrainingDivergedException(
                    $"Loss became infinite or NaN at iteration={Iteration}! loss_dict = {{{string.Join(", ", values.Select(kv => $"{kv.Key}: {kv.Value}"))}}}. " +
                    "Training has diverged; a lower SOLVER.BASE_LR (or gradient clipping) usually fixes this.");
            Optimizer.zero_grad();
            total.backward();
            Clipper?.Clip(parameters);
            Optimizer.step();

            Storage.Put("total_loss", totalValue);
            foreach (var (k, v) in values) Storage.Put(k, v);
            Storage.Put("lr", lr);
            Storage.Put("data_time", dataTime);
            Storage.Put("time", clock.Elapsed.TotalSeconds);
            Storage.Put("rss_mb", Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0));
        }
        finally
        {
            foreach (var input in batch) DisposeInput(input);
        }
    }

    private static void DisposeInput(DetectionInput input)
    {
        input.Image.Dispose();
        foreach (var instances in new[] { input.Instances, input.Proposals })
        {
            if (instances is null) continue;
            foreach (var name in instances.FieldNames)
                switch (instances.Get(name))
                {
                    case Tensor t: t.Dispose(); break;
                    case Boxes b: b.Tensor.Dispose(); break;
                }
        }
    }
}
