namespace Rcnn.MLNet.AutoML;

/// <summary>Callbacks on trial progress (AutoML's IMonitor), called on the experiment's thread.</summary>
public interface IDetectionMonitor
{
    void ReportRunningTrial(DetectionTrialSettings settings);

    void ReportCompletedTrial(DetectionTrialResult result);

    void ReportBestTrial(DetectionTrialResult result);

    /// <summary>A trial that threw, or that was cancelled (<paramref name="exception"/> is then an OperationCanceledException).</summary>
    void ReportFailTrial(DetectionTrialSettings settings, Exception? exception = null);
}
