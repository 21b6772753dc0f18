using System.Globalization;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// The part of a time budget kept for what is not training: evaluating the validation images while training, and after
/// it the test images, drawing the previews, and writing model.onnx, the ML.NET zip and the consumption project.
/// </summary>
public sealed record BudgetReserve(double Seconds, string Why)
{
    /// <summary>The part of <see cref="Seconds"/> spent while training (validation predictions). It is reserved when
    /// the iterations are picked, but the training deadline does not keep it back: the refits count evaluation time
    /// in each iteration's (<see cref="DeadlineRefitHook"/>), so keeping it back as well would leave it unused.</summary>
    public double WhileTrainingSeconds { get; init; }

    /// <summary>The part of <see cref="Seconds"/> spent after training: test images, previews, artefacts.</summary>
    public double AfterTrainingSeconds => Seconds - WhileTrainingSeconds;

    /// <summary>Export, ML.NET zip, consumption project, plots and results: about 15 s measured on BCCD; twice that.</summary>
    public const double ArtefactSeconds = 30;

    /// <summary>From a measured prediction time: twice it for each image to predict after training (evaluation also
    /// matches and accumulates, and a shared host's speed drifts), once for each of the
    /// <paramref name="validationPredictions"/> while training, plus <see cref="ArtefactSeconds"/>.</summary>
    public static BudgetReserve Measured(int imagesToPredict, double secondsPerImage, int validationPredictions = 0)
    {
        if (imagesToPredict < 0) throw new ArgumentOutOfRangeException(nameof(imagesToPredict), imagesToPredict, "must be >= 0");
        if (validationPredictions < 0) throw new ArgumentOutOfRangeException(nameof(validationPredictions), validationPredictions, "must be >= 0");
        if (imagesToPredict + validationPredictions == 0) return new(ArtefactSeconds, $"{ArtefactSeconds:F0} s for the artefacts; no test images to evaluate");
        if (!(secondsPerImage >= 0)) throw new ArgumentOutOfRangeException(nameof(secondsPerImage), secondsPerImage, "must be a measured time >= 0");
        double seconds = ArtefactSeconds + secondsPerImage * (2 * imagesToPredict + validationPredictions);
        string validating = validationPredictions > 0 ? $", {validationPredictions} validation predictions while training" : "";
        return new(seconds, string.Create(CultureInfo.InvariantCulture,
            $"{seconds:F0} s: {secondsPerImage:F2} s/image measured, twice for {imagesToPredict} test and preview images{validating}, and {ArtefactSeconds:F0} s for the artefacts"))
        {
            WhileTrainingSeconds = secondsPerImage * validationPredictions,
        };
    }

    /// <summary>Without a measurement (a given config or schedule): 10% of the budget and <see cref="ArtefactSeconds"/>.</summary>
    public static BudgetReserve Unmeasured(TimeSpan budget) =>
        new(budget.TotalSeconds * 0.1 + ArtefactSeconds, $"10% and {ArtefactSeconds:F0} s for evaluation and artefacts");

    /// <summary>Seconds of <paramref name="budget"/> left for training iterations (what the picked iterations fill).</summary>
    public double TrainingSeconds(TimeSpan budget) => Math.Max(0, budget.TotalSeconds - Seconds);

    /// <summary>Seconds of <paramref name="budget"/> by which training, its validation included, must end: the
    /// training deadline.</summary>
    public double TrainingWindowSeconds(TimeSpan budget) => Math.Max(0, budget.TotalSeconds - AfterTrainingSeconds);
}
