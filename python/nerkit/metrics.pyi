from typing import Any, Dict, List, Optional, Sequence, Tuple, Type, Union

from .scheme import Token

_Scheme = Union[Type[Token], type, str, None]
_ZeroDivision = Union[str, int]

class UndefinedMetricWarning(UserWarning): ...

def precision_recall_fscore_support(
    y_true: List[List[str]], y_pred: List[List[str]], *, average: Optional[str] = ...,
    warn_for: Sequence[str] = ..., beta: float = ..., sample_weight: Optional[List[int]] = ...,
    zero_division: _ZeroDivision = ..., suffix: bool = ..., mode: Optional[str] = ...,
    scheme: _Scheme = ...) -> Tuple[Any, Any, Any, Any]: ...
def f1_score(y_true: List[List[str]], y_pred: List[List[str]], *,
             average: Optional[str] = ..., suffix: bool = ..., mode: Optional[str] = ...,
             sample_weight: Optional[List[int]] = ..., zero_division: _ZeroDivision = ...,
             scheme: _Scheme = ...) -> Any: ...
def precision_score(y_true: List[List[str]], y_pred: List[List[str]], *,
                    average: Optional[str] = ..., suffix: bool = ..., mode: Optional[str] = ...,
                    sample_weight: Optional[List[int]] = ..., zero_division: _ZeroDivision = ...,
                    scheme: _Scheme = ...) -> Any: ...
def recall_score(y_true: List[List[str]], y_pred: List[List[str]], *,
                 average: Optional[str] = ..., suffix: bool = ..., mode: Optional[str] = ...,
                 sample_weight: Optional[List[int]] = ..., zero_division: _ZeroDivision = ...,
                 scheme: _Scheme = ...) -> Any: ...
def accuracy_score(y_true: Union[List[List[str]], List[str]],
                   y_pred: Union[List[List[str]], List[str]]) -> float: ...
def performance_measure(y_true: Union[List[List[str]], List[str]],
                        y_pred: Union[List[List[str]], List[str]]) -> Dict[str, int]: ...
def classification_report(y_true: List[List[str]], y_pred: List[List[str]], digits: int = ...,
                          suffix: bool = ..., output_dict: bool = ..., mode: Optional[str] = ...,
                          sample_weight: Optional[List[int]] = ...,
                          zero_division: _ZeroDivision = ...,
                          scheme: _Scheme = ...) -> Union[str, Dict[str, Dict[str, float]]]: ...
