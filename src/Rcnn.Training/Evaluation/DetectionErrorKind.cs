namespace Rcnn.Training.Evaluation;

/// <summary>
/// Why a detection is a false positive at an IoU threshold t, from its overlap with the image's ground truth (the
/// error types of Hoiem et al.'s "Diagnosing Error in Object Detectors", as TIDE names them). Checked in this order.
/// </summary>
public enum DetectionErrorKind
{
    /// <summary>IoU &gt;= t with an object of its class that a higher-scoring detection already matched.</summary>
    Duplicate,

    /// <summary>IoU &gt;= t with an object of another class only.</summary>
    Confusion,

    /// <summary>Its class's best overlap is in [0.1, t): the right object, badly placed.</summary>
    Localization,

    /// <summary>Overlaps another class's object by [0.1, t) and its own class's by less than 0.1.</summary>
    Both,

    /// <summary>IoU &lt; 0.1 with every labelled object: nothing is labelled there. On a dataset with incomplete labels
    /// these are often real, unlabelled objects, which cap AP whatever the model does.</summary>
    Background,
}
