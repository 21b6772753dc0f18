using Microsoft.ML;
using Rcnn.MLNet.AutoConfig;

namespace Rcnn.MLNet.Training;

/// <summary>
/// Options of <c>mlContext.Transforms.DetectObjects(options)</c>. Unset (null) values keep the config's own; the
/// config comes from <see cref="ConfigFile"/>, else <see cref="Preset"/>, else it is picked from the training data as
/// <c>rcnn train</c> picks it (fine-tuned from ImageNet weights unless <see cref="Pretrained"/> is false, its schedule
/// fitted to <see cref="TimeBudget"/> and steered by validation); then these options, then
/// <see cref="ConfigOverrides"/> (which win).
/// </summary>
public sealed class DetectObjectsOptions
{
    /// <summary>Per-object labels: a key vector (MapValueToKey; class names from its key values) or a text vector.</summary>
    public string LabelColumnName = "Label";

    /// <summary>Per-object boxes: float[4N], x0, y0, x1, y1 in the image's pixels.</summary>
    public string BoundingBoxColumnName = "Box";

    /// <summary>The image (MLImage, e.g. from LoadImages), any size.</summary>
    public string ImageColumnName = "Image";

    /// <summary>Output: class names of the detections (string[]).</summary>
    public string PredictedLabelColumnName = "PredictedLabel";

    /// <summary>Output: scores of the detections (float[]), descending.</summary>
    public string ScoreColumnName = "Score";

    /// <summary>Output: float[4N] boxes, x0, y0, x1, y1 in the scored image's own pixels.</summary>
    public string PredictedBoundingBoxColumnName = "PredictedBoundingBoxes";

    /// <summary>A detectron2 YAML config file (with its <c>_BASE_</c> chain); takes precedence over <see cref="Preset"/>.</summary>
    public string? ConfigFile;

    /// <summary>A config shipped inside this assembly (see <see cref="ConfigPresets.Names"/>); null (the default) picks
    /// one from the training data, as <c>rcnn train</c> does (<see cref="AutoConfig.AutoConfigPicker"/>).</summary>
    public string? Preset;

    /// <summary>A picked config fine-tunes ML.NET's ImageNet ResNet-18 (<c>mlnet://ResNet18</c>, restored with the build)
    /// when true (the default) and the weights are there; false trains from scratch.</summary>
    public bool Pretrained = true;

    /// <summary>Wall-clock time a picked config trains for at most: its iterations are what the speed measured on a few
    /// of them fits (unless <see cref="MaxIterations"/> is set), and validation may end it earlier. 30 minutes by
    /// default, as <c>rcnn train</c>.</summary>
    public TimeSpan? TimeBudget;

    /// <summary>SOLVER.MAX_ITER. The config's SOLVER.STEPS and WARMUP_ITERS are scaled with it.</summary>
    public int? MaxIterations;

    /// <summary>SOLVER.IMS_PER_BATCH: images per iteration.</summary>
    public int? BatchSize;

    /// <summary>SOLVER.BASE_LR.</summary>
    public double? LearningRate;

    /// <summary>Short side the images are resized to, training and test (INPUT.MIN_SIZE_TRAIN/TEST); the long-side cap
    /// keeps the config's ratio.</summary>
    public int? ImageSize;

    /// <summary>MODEL.ROI_HEADS.SCORE_THRESH_TEST: detections scoring lower are dropped.</summary>
    public float? ScoreThreshold;

    /// <summary>MODEL.ROI_HEADS.NMS_THRESH_TEST: IoU above which per-class NMS drops the lower-scoring box.</summary>
    public float? IouThreshold;

    /// <summary>Evaluated (COCO AP) after training, and every TEST.EVAL_PERIOD iterations; with a picked config it
    /// steers training (the LR steps when it stops improving, the best model by it is kept), and without it images are
    /// held out of the training data for that. Same columns as the training data; text or key labels (matched to the
    /// training classes by name).</summary>
    public IDataView? ValidationSet;

    /// <summary>Where the config, metrics.json, loss curve, final checkpoint and detector.onnx go; a new folder under
    /// the temp path by default.</summary>
    public string? OutputFolder;

    /// <summary>SEED (torch and data order).</summary>
    public int? Seed;

    /// <summary>TorchSharp threads while training (all cores by default); restored afterwards.</summary>
    public int? NumThreads;

    /// <summary>detectron2-style KEY VALUE pairs applied last, e.g. "MODEL.RPN.NMS_THRESH", "0.6".</summary>
    public IList<string> ConfigOverrides = new List<string>();

    /// <summary>Iterations between progress lines in mlContext.Log (the IProgress callback gets every iteration).</summary>
    public int LogEveryNIterations = 20;

    /// <summary>Called after every training iteration (and for the final evaluation).</summary>
    public IProgress<DetectionTrainingProgress>? Progress;
}
