from tests.conftest import login_client


def test_doctor_sees_his_dossier(dossier, doctor_card):
    response = login_client(doctor_card).get(f"/dossiers/{dossier.number}/")
    assert response.status_code == 200
    assert dossier.patient.first_name in response.content.decode()
