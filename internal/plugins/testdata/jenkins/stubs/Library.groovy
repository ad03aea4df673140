import java.lang.annotation.Retention
import java.lang.annotation.RetentionPolicy

// Library stands in for Jenkins' @Library annotation so that a Jenkinsfile
// compiles outside Jenkins; the harness binds the library's steps itself.
@Retention(RetentionPolicy.SOURCE)
@interface Library {
    String[] value()
}
